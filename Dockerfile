# kiada 0.1 — production image. Build: docker build -t kiada:0.1 .
# Stage 1 compiles the app's TypeScript to JavaScript; stage 2 ships that JavaScript, the page assets and the
# production dependencies only, as the non-root `node` user.
FROM node:24.21.0-alpine AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json ./
COPY apps/kiada/package.json apps/kiada/
COPY lab/package.json lab/
COPY tools/package.json tools/
COPY test/package.json test/
# --ignore-scripts: the image has its own Node 24; the `node` devDependency's download is not needed.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY apps/kiada/ apps/kiada/
RUN npx tsc -p apps/kiada/tsconfig.build.json \
 && npm ci --ignore-scripts --omit=dev --workspace @kiada/app --no-audit --no-fund

FROM node:24.21.0-alpine
LABEL org.opencontainers.image.title="kiada" \
      org.opencontainers.image.version="0.1" \
      org.opencontainers.image.description="Kubernetes in Action demo application (chapter 5)" \
      org.opencontainers.image.source="https://github.com/luksa/kubernetes-in-action-2nd-edition" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/apps/kiada/package.json ./package.json
COPY --from=build /src/apps/kiada/dist ./dist
COPY --from=build /src/apps/kiada/public ./public
USER node
EXPOSE 8080
# The app is PID 1 and handles SIGTERM/SIGINT itself (graceful stop, exit 0), so no init is needed.
CMD ["node", "dist/main.js"]
