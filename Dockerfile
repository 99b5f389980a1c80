# kiada 0.1 — production image. Build: docker build -t kiada:0.1 .
# Stage `build` compiles the app's TypeScript to JavaScript; stage `deps` installs the app's production
# dependencies and nothing else; the final stage ships those two and the page assets, as uid 1000 (`node`).
# The Alpine release is pinned in the tag (not the moving `-alpine`): it is the package repository `apk add`
# installs from, so a rebuild gets that release's curl and bash, not whatever the next release carries.
FROM node:24.21.0-alpine3.24 AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json ./
COPY apps/kiada/package.json apps/kiada/
COPY lab/package.json lab/
COPY tools/package.json tools/
COPY test/package.json test/
# --ignore-scripts: the image has its own Node 24; the `node` devDependency's download is not needed.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY apps/kiada/ apps/kiada/
RUN npx tsc -p apps/kiada/tsconfig.build.json

# The app's production dependencies only: express and what it requires, at the lockfile's versions. npm sees
# the app as the only workspace here (the other manifests are not copied): with all of them, --omit=dev still
# keeps what the app's devDependencies share with another workspace's dependencies (@types/node, form-data …,
# npm/cli#5969). The workspace's link goes too: in the image the app is /app, not node_modules/@kiada/app.
FROM node:24.21.0-alpine3.24 AS deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY apps/kiada/package.json apps/kiada/
RUN npm ci --ignore-scripts --omit=dev --workspace @kiada/app --no-audit --no-fund \
 && rm -r node_modules/@kiada node_modules/.package-lock.json

FROM node:24.21.0-alpine3.24
# The chapter's own commands run in this container: `kubectl exec kiada -- curl -s localhost:8080` and
# `kubectl exec -it kiada -- bash` (the book's image is Debian-based and has both). Alpine keeps only the newest
# build of a package in a release's repository, so an exact version pin would break every rebuild after a
# security update: the release is pinned by the tag above, the major versions here (~ is apk's prefix match).
RUN apk add --no-cache curl~8 bash~5
LABEL org.opencontainers.image.title="kiada" \
      org.opencontainers.image.version="0.1" \
      org.opencontainers.image.description="Kubernetes in Action demo application (chapter 5)" \
      org.opencontainers.image.source="https://github.com/luksa/kubernetes-in-action-2nd-edition" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY apps/kiada/package.json ./package.json
COPY --from=build /src/apps/kiada/dist ./dist
COPY apps/kiada/public ./public
# Numeric, so that a pod's `runAsNonRoot: true` can verify it without a runAsUser of its own (the kubelet
# cannot look a user name up in the image). 1000 is the base image's `node` user.
USER 1000:1000
EXPOSE 8080
# The app is PID 1 and handles SIGTERM/SIGINT itself (graceful stop, exit 0), so no init is needed.
CMD ["node", "dist/main.js"]
