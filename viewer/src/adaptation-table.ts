/**
 * The task being adapted, who chose it (a page, by its connection id, or the server going through the run's
 * tasks), and its return and mean speed after each inner step k, as the server measures them (the mean over an
 * adaptation batch), row by row as they arrive. Rows carry `data-k`, the table `data-rows`, for tests.
 */
import { laneColor } from './lane-colors.js';
import type { AdaptationMessage, AdaptingMessage } from './protocol.js';

export class AdaptationTable {
  private taskKey: string | null = null;
  private readonly rows = new Map<number, HTMLTableRowElement>();

  constructor(
    private readonly heading: HTMLElement,
    private readonly body: HTMLTableSectionElement,
  ) {}

  adapting(message: AdaptingMessage, ownConnectionId: number | null): void {
    this.taskKey = JSON.stringify(message.task);
    this.heading.textContent = describeSource(message, ownConnectionId);
    this.heading.dataset.source = message.source.kind;
    this.rows.clear();
    this.body.replaceChildren();
    this.body.dataset.rows = '0';
  }

  add(message: AdaptationMessage): void {
    if (this.taskKey === null || JSON.stringify(message.task) !== this.taskKey) return;
    let row = this.rows.get(message.k);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.k = String(message.k);
      const later = [...this.rows.keys()].filter((k) => k > message.k).sort((a, b) => a - b)[0];
      this.body.insertBefore(row, later === undefined ? null : this.rows.get(later)!);
      this.rows.set(message.k, row);
    }
    const swatch = `<span class="swatch" style="background:${laneColor(message.k)}"></span>`;
    const label = message.k === 0 ? 'meta-init' : `${message.k} update${message.k > 1 ? 's' : ''}`;
    const speed = message.meanSpeed === undefined ? '-' : message.meanSpeed.toFixed(2);
    row.innerHTML = `<td>${swatch}k = ${message.k}</td><td>${label}</td><td>${message.return.toFixed(1)}</td><td>${speed}</td>`;
    this.body.dataset.rows = String(this.rows.size);
  }
}

function describeSource(message: AdaptingMessage, ownConnectionId: number | null): string {
  const { source } = message;
  if (source.kind === 'page') {
    const own = source.connectionId === ownConnectionId ? ' (this page)' : '';
    return `task sent by page #${source.connectionId}${own}`;
  }
  const split = source.split === 'test' ? 'held-out' : 'training';
  return `${split} task ${source.index} (the server's turn through the run's tasks)`;
}
