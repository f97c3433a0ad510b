/**
 * The task a person composes: one input per task field, built from the controls the server describes (hello's
 * `taskControls`: bounds the server accepts, values the run trained on), so any env and robot get theirs. Inputs
 * start from the task being shown; "adapt to this task" sends the shown task with the inputs' values over it (fields
 * without an input, such as per-body masses, are kept; the JSON editor below edits everything). The server
 * validates; its error (field, value, what is allowed) is shown here and the field's input marked.
 */
import type { TaskControl } from './protocol.js';

type Json = Record<string, unknown>;

export class TaskPanel {
  private controls: TaskControl[] = [];
  private readonly inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private base: unknown = null;
  /** A person changed an input since the shown task last filled them. */
  private edited = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly fields: HTMLElement,
    private readonly error: HTMLElement,
    private readonly json: HTMLTextAreaElement,
    send: (task: unknown) => void,
  ) {
    root.querySelector('#task-send')!.addEventListener('click', () => {
      const task = this.compose();
      if (task !== undefined) send(task);
    });
    root.querySelector('#task-json-send')!.addEventListener('click', () => {
      try {
        send(JSON.parse(json.value));
      } catch (e) {
        this.showError(`task: expected JSON (${(e as Error).message})`, null);
      }
    });
  }

  /** Builds the inputs (hello); hides the panel when the server takes no task. */
  build(controls: TaskControl[] | undefined, acceptsTask: boolean): void {
    this.root.hidden = !acceptsTask;
    this.controls = controls ?? [];
    this.fields.replaceChildren();
    this.inputs.clear();
    for (const control of this.controls) {
      // A field of several kinds (a direction of both direction and velocity goals) gets one input.
      if (!this.inputs.has(control.path)) this.fields.append(this.row(control));
    }
    if (this.base !== null) this.fill(this.base);
  }

  /** The task being shown: inputs follow it until a person edits one. */
  show(task: unknown): void {
    this.base = task;
    if (document.activeElement !== this.json) this.json.value = JSON.stringify(task, null, 1);
    if (!this.edited) this.fill(task);
  }

  accepted(): void {
    this.edited = false;
    this.showError('', null);
  }

  showError(message: string, path: string | null): void {
    this.error.textContent = message;
    for (const [key, input] of this.inputs) input.classList.toggle('invalid', path === `task.${key}`);
  }

  private row(control: TaskControl): HTMLElement {
    const row = document.createElement('label');
    row.className = 'task-row';
    row.dataset.field = control.path;
    const name = document.createElement('span');
    name.className = 'task-name';
    name.textContent = control.path.replace(/^dynamics\./, '');
    const input = control.type === 'choice' || control.nullable ? this.select(control) : this.number(control);
    input.addEventListener('input', () => {
      this.edited = true;
      if (control.type === 'choice') this.updateVisibility();
    });
    const hint = document.createElement('small');
    hint.textContent = describeRange(control);
    row.append(name, input, hint);
    this.inputs.set(control.path, input);
    return row;
  }

  private number(control: TaskControl): HTMLInputElement {
    const input = document.createElement('input');
    input.type = 'number';
    // Bounds inform the spinner only: a person may type anything, and the server answers.
    input.step = control.type === 'integer' ? '1' : 'any';
    if (control.min !== undefined) input.min = String(control.min);
    if (control.max !== undefined) input.max = String(control.max);
    return input;
  }

  private select(control: TaskControl): HTMLSelectElement {
    const select = document.createElement('select');
    const options =
      control.type === 'choice'
        ? (control.choices ?? [])
        : [
            'null',
            ...Array.from(
              { length: (control.max ?? 0) - (control.min ?? 0) + 1 },
              (_, i) => `${(control.min ?? 0) + i}`,
            ),
          ];
    if (control.optional) select.append(new Option('(unset)', ''));
    for (const value of options) select.append(new Option(value === 'null' ? 'none' : value, value));
    return select;
  }

  private fill(task: unknown): void {
    for (const control of this.controls) {
      const input = this.inputs.get(control.path);
      const value = valueAt(task, control.path);
      if (!input) continue;
      if (control.when && valueAt(task, control.when.path) !== control.when.value) continue;
      input.value = value === undefined ? '' : String(value);
    }
    this.updateVisibility();
  }

  /** Shows the inputs of the chosen kinds only (a slope's angle while terrain.kind is "slope"). */
  private updateVisibility(): void {
    for (const row of this.fields.children as HTMLCollectionOf<HTMLElement>) {
      const control = this.controls.find((c) => c.path === row.dataset.field && c.when);
      if (!control?.when) continue;
      const chosen = this.inputs.get(control.when.path)?.value;
      const shown = this.controls.find((c) => c.path === control.path && c.when?.value === chosen);
      row.hidden = !shown;
      const input = this.inputs.get(control.path)!;
      if (shown && input.value === '') input.value = String(defaultValue(shown));
    }
  }

  /** The shown task with the visible inputs' values over it; a changed kind starts that object afresh. */
  private compose(): unknown {
    const task = structuredClone(this.base ?? {}) as Json;
    for (const control of this.controls.filter((c) => !c.when && c.type === 'choice')) {
      const chosen = this.inputs.get(control.path)!.value;
      if (valueAt(task, control.path) !== chosen) setAt(task, parentPath(control.path), { kind: chosen });
    }
    for (const control of this.controls) {
      const input = this.inputs.get(control.path)!;
      const row = input.closest('.task-row') as HTMLElement;
      if (row.hidden) continue;
      if (control.when && this.inputs.get(control.when.path)?.value !== control.when.value) continue;
      const raw = input.value;
      if (raw === '' && control.optional) setAt(task, control.path, undefined);
      else if (control.type === 'choice') setAt(task, control.path, raw);
      else if (raw === 'null') setAt(task, control.path, null);
      else if (raw.trim() === '') {
        if (!control.optional) setAt(task, control.path, undefined);
      } else setAt(task, control.path, Number(raw));
    }
    return task;
  }
}

/** A new kind's field starts mid-way in what the run trained on, or else in what the server allows. */
function defaultValue(control: TaskControl): number | string {
  const trained = control.trained;
  if (trained && 'min' in trained) return Number(((trained.min + trained.max) / 2).toFixed(3));
  if (control.type === 'choice') return control.choices?.[0] ?? '';
  const low = control.min ?? 0;
  const high = control.max ?? low;
  const middle = (low + high) / 2;
  return control.type === 'integer' ? Math.round(middle) : Number(middle.toFixed(3));
}

function describeRange(control: TaskControl): string {
  const parts: string[] = [];
  if (control.min !== undefined || control.max !== undefined)
    parts.push(`allowed ${format(control.min)}..${format(control.max)}`);
  const trained = control.trained;
  if (trained && 'min' in trained)
    parts.push(
      trained.min === trained.max
        ? `trained ${format(trained.min)}`
        : `trained ${format(trained.min)}..${format(trained.max)}`,
    );
  else if (trained) parts.push(`trained ${trained.values.map((v) => (v === null ? 'none' : v)).join(', ')}`);
  return parts.join('; ');
}

function format(value: number | undefined): string {
  if (value === undefined) return '';
  return Math.abs(value) >= 1e6 ? value.toExponential(0) : String(Number(value.toFixed(2)));
}

function valueAt(task: unknown, path: string): unknown {
  let node = task;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function parentPath(path: string): string {
  return path.split('.').slice(0, -1).join('.');
}

/** Sets (or, for undefined, deletes) the value at a dotted path, making objects or arrays on the way. */
function setAt(task: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: Json = task;
  keys.slice(0, -1).forEach((key, i) => {
    const nextIsIndex = /^\d+$/.test(keys[i + 1]!);
    if (node[key] === null || typeof node[key] !== 'object') node[key] = nextIsIndex ? [] : {};
    node = node[key] as Json;
  });
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}
