// A Table's column definition (meta.k8s.io/v1 TableColumnDefinition), as the printers declare them.
export interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}
export const col = (name: string, priority = 0, type = 'string', format = ''): Column => ({ name, type, format, description: name, priority });
