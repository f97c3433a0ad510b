/**
 * The Terrarium live viewer: connects to the server that served this page, draws the shown episode with three.js,
 * the HUD and the uPlot curves, and sends the lil-gui controls back as protocol messages (docs/protocol.md).
 */
import GUI from 'lil-gui';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { Charts } from './charts.js';
import { Connection } from './connection.js';
import { Hud } from './hud.js';
import type { Frame, ServerMessage } from './protocol.js';
import { SceneView } from './scene-view.js';

const hud = new Hud();
const view = new SceneView(document.getElementById('stage')!);
const charts = new Charts(document.getElementById('chart-meta')!, document.getElementById('chart-adapt')!);
const toast = document.getElementById('toast')!;
const taskEditor = document.getElementById('task-editor')!;
const taskJson = document.getElementById('task-json') as HTMLTextAreaElement;

let currentEpisode = -1;
let latestPoses: Float32Array | null = null;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

const controls = { paused: false, speed: 1, task: 0, copy: 0, follow: true, shadows: true };
const newTask = { friction: 1, massScale: 1 };

function onFrame(frame: Frame): void {
  if (frame.episode !== currentEpisode) return;
  latestPoses = frame.poses.slice();
  hud.set('step', frame.step);
  hud.set('return', frame.episodeReturn);
}

function onMessage(message: ServerMessage): void {
  switch (message.type) {
    case 'hello':
      hud.set('run', message.runs.map((run) => `${run.runId} (${run.algo})`).join(', ') || '-');
      hud.set('env', message.runs[0]?.env ?? '-');
      hud.workers(message.workers?.names);
      taskEditor.hidden = !message.acceptsTask;
      taskFolder.show(message.acceptsTask);
      break;
    case 'scene':
      currentEpisode = message.episode;
      latestPoses = null;
      view.load(message.scene);
      hud.set('env', message.scene.env);
      hud.set('task-index', message.taskIndex < 0 ? 'sent from this page' : message.taskIndex);
      hud.set('k', message.k);
      hud.set('return', 0);
      hud.task(message.scene.task);
      charts.showTask(message.taskIndex);
      if (document.activeElement !== taskJson) taskJson.value = JSON.stringify(message.scene.task, null, 1);
      break;
    // Shown from 1, as the CLI counts them; the messages carry metrics.jsonl's 0-based index.
    case 'metrics':
      charts.addMetrics(message);
      hud.set('iteration', message.iteration + 1);
      break;
    case 'adaptation':
      charts.addAdaptation(message);
      hud.set('iteration', message.iteration + 1);
      break;
    case 'state':
      controls.paused = message.paused;
      controls.speed = message.speed;
      if (message.select.taskIndex !== undefined) controls.task = message.select.taskIndex;
      if (message.select.copy !== undefined) controls.copy = message.select.copy;
      for (const controller of gui.controllersRecursive()) controller.updateDisplay();
      break;
    case 'taskAccepted':
      showToast('task accepted: adapting to it', false);
      break;
    case 'error':
      showToast(message.message, true);
      break;
  }
}

function showToast(text: string, isError: boolean): void {
  toast.textContent = text;
  toast.style.background = isError ? '#5a2a25' : '#25503a';
  toast.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => toast.classList.remove('visible'), 4000);
}

const gui = new GUI({ title: 'Controls', container: document.getElementById('controls')! });
gui
  .add(controls, 'paused')
  .onChange((paused: boolean) => connection.send({ type: paused ? 'pause' : 'resume' }));
gui
  .add(controls, 'speed', 0.1, 8, 0.1)
  .name('playback speed')
  .onFinishChange((value: number) => connection.send({ type: 'speed', value }));
gui
  .add(controls, 'task')
  .min(0)
  .step(1)
  .name('task to watch')
  .onFinishChange((taskIndex: number) => connection.send({ type: 'select', taskIndex }));
gui
  .add(controls, 'copy')
  .min(0)
  .step(1)
  .name('env copy')
  .onFinishChange((copy: number) => connection.send({ type: 'select', copy }));
gui
  .add(controls, 'follow')
  .name('follow camera')
  .onChange((follow: boolean) => (view.follow = follow));
gui.add(controls, 'shadows').onChange((on: boolean) => view.setShadows(on));

const taskFolder = gui.addFolder('New task');
taskFolder.add(newTask, 'friction', 0, 2, 0.05).onChange(() => patchTask());
taskFolder
  .add(newTask, 'massScale', 0.5, 2, 0.05)
  .name('mass scale')
  .onChange(() => patchTask());
taskFolder.hide();

/** Writes the sliders into the task JSON being edited (its `dynamics`), leaving the rest as typed. */
function patchTask(): void {
  try {
    const task = JSON.parse(taskJson.value) as { dynamics?: Record<string, unknown> };
    task.dynamics = { ...task.dynamics, friction: newTask.friction, massScale: newTask.massScale };
    taskJson.value = JSON.stringify(task, null, 1);
  } catch {
    showToast('the task JSON does not parse; fix it first', true);
  }
}

document.getElementById('task-send')!.addEventListener('click', () => {
  let task: unknown;
  try {
    task = JSON.parse(taskJson.value);
  } catch (error) {
    showToast(`task: expected JSON (${(error as Error).message})`, true);
    return;
  }
  connection.send({ type: 'task', task });
});

const connection = new Connection({
  onOpen() {
    connection.send({ type: 'subscribe', streams: ['frames', 'metrics', 'adaptation'] });
    if (controls.paused) connection.send({ type: 'pause' });
  },
  onState: (state, detail) => hud.connection(state, detail),
  onFrame,
  onMessage,
});

function animate(): void {
  if (latestPoses) view.applyPoses(latestPoses);
  view.render();
  requestAnimationFrame(animate);
}
requestAnimationFrame(animate);
