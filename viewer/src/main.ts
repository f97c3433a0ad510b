/**
 * The Terrarium live viewer: connects to the server that served this page, draws the shown episode with three.js,
 * the HUD and the uPlot curves, and sends the lil-gui controls and the composed task back as protocol messages
 * (docs/protocol.md).
 */
import GUI from 'lil-gui';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { AdaptationTable } from './adaptation-table.js';
import { Charts } from './charts.js';
import { Connection } from './connection.js';
import { Hud } from './hud.js';
import type { Frame, ServerMessage } from './protocol.js';
import { SceneView } from './scene-view.js';
import { TaskPanel } from './task-panel.js';

const hud = new Hud();
const view = new SceneView(document.getElementById('stage')!);
const charts = new Charts(document.getElementById('chart-meta')!, document.getElementById('chart-adapt')!);
const toast = document.getElementById('toast')!;
const byId = (id: string) => document.getElementById(id)!;
const taskPanel = new TaskPanel(
  byId('task-editor'),
  byId('task-fields'),
  byId('task-error'),
  byId('task-json') as HTMLTextAreaElement,
  (task) => connection.send({ type: 'task', task }),
);
const adaptationTable = new AdaptationTable(
  byId('adapting-source'),
  byId('adaptation-rows') as HTMLTableSectionElement,
);
let connectionId: number | null = null;
/** Who chose the task being adapted, for the HUD (from the server's `adapting`, the same on every page). */
let taskSource = 'sent by a page';

let currentEpisode = -1;
let latestPoses: Float32Array | null = null;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

const controls = { paused: false, speed: 1, task: 0, copy: 0, follow: true, shadows: true };

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
      connectionId = message.connectionId;
      taskPanel.build(message.taskControls, message.acceptsTask);
      break;
    case 'adapting':
      byId('adaptation').hidden = false;
      adaptationTable.adapting(message, connectionId);
      taskSource =
        message.source.kind === 'page'
          ? `page #${message.source.connectionId}${message.source.connectionId === connectionId ? ' (this page)' : ''}`
          : `${message.source.index}`;
      taskPanel.show(message.task);
      break;
    case 'scene':
      currentEpisode = message.episode;
      latestPoses = null;
      view.load(message.scene, message.lanes);
      hud.set('env', message.scene.env);
      hud.set('task-index', message.taskIndex < 0 ? taskSource : message.taskIndex);
      hud.set('k', message.lanes ? message.lanes.join(', ') : message.k);
      hud.set('return', 0);
      hud.task(message.scene.task);
      charts.showTask(message.taskIndex);
      taskPanel.show(message.scene.task);
      break;
    // Shown from 1, as the CLI counts them; the messages carry metrics.jsonl's 0-based index.
    case 'metrics':
      charts.addMetrics(message);
      hud.set('iteration', message.iteration + 1);
      break;
    case 'adaptation':
      charts.addAdaptation(message);
      adaptationTable.add(message);
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
      taskPanel.accepted();
      showToast('task accepted: adapting to it', false);
      break;
    case 'error':
      if (message.path.startsWith('task')) taskPanel.showError(message.message, message.path);
      else showToast(message.message, true);
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
