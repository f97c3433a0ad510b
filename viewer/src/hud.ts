/** The text overlay: connection state, run, env, meta-iteration, task, inner step k, step and episode return. */
import type { ConnectionState } from './connection.js';

const byId = (id: string) => document.getElementById(id)!;

export class Hud {
  connection(state: ConnectionState, detail: string): void {
    const element = byId('connection');
    element.dataset.state = state;
    element.textContent = state;
    element.title = detail;
  }

  set(
    field: 'run' | 'env' | 'workers' | 'iteration' | 'task-index' | 'k' | 'step' | 'return',
    value: string | number,
  ): void {
    byId(`hud-${field}`).textContent = typeof value === 'number' ? formatNumber(value) : value;
  }

  /** A queue run's workers (the row stays hidden for runs without a queue). */
  workers(names: string[] | undefined): void {
    byId('hud-workers-row').hidden = names === undefined;
    if (names) this.set('workers', `${names.length}: ${names.join(', ') || '-'}`);
  }

  task(task: unknown): void {
    byId('hud-task').textContent = describeTask(task);
  }
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** One `name: value` line per leaf of the task (goal, dynamics, terrain), arrays in parentheses. */
export function describeTask(task: unknown, prefix = ''): string {
  if (task === null || typeof task !== 'object') return prefix ? `${prefix}: ${String(task)}` : '';
  if (Array.isArray(task)) {
    return `${prefix}: (${task.map((v) => (typeof v === 'number' ? v.toFixed(2) : String(v))).join(', ')})`;
  }
  const lines: string[] = [];
  for (const [key, value] of Object.entries(task as Record<string, unknown>)) {
    if (key === 'kind' && prefix) {
      lines.push(`${prefix}: ${String(value)}`);
      continue;
    }
    const name =
      key === 'dynamics' || key === 'goal' || key === 'terrain' ? (key === 'dynamics' ? '' : key) : key;
    const path = [prefix, name].filter(Boolean).join('.');
    if (typeof value === 'number') lines.push(`${path}: ${formatNumber(value)}`);
    else if (value !== null && typeof value === 'object') lines.push(describeTask(value, path));
    else lines.push(`${path}: ${String(value)}`);
  }
  return lines.filter(Boolean).join('\n');
}
