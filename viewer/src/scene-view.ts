/**
 * The 3D view: terrain and bodies built from the env's SceneDescription (Y up, shapes body-local), moved by pose
 * frames (7 floats per body), lit by a sun whose shadow box follows the robot, watched by a camera that follows the
 * first body (drag to orbit, wheel to zoom), with a goal marker (a post at a position, or an arrow for a direction).
 * Side by side (a scene with `lanes`), each robot is tinted with its k's colour and labelled, and the camera follows
 * the middle of the robots, backing off as they spread apart.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { laneColor } from './lane-colors.js';
import type { SceneDescription, ShapeDescription } from './protocol.js';

export class SceneView {
  readonly renderer: THREE.WebGLRenderer;
  follow = true;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(50, 1, 0.02, 400);
  private readonly controls: OrbitControls;
  private readonly sun = new THREE.DirectionalLight(0xffffff, 2.2);
  private readonly world = new THREE.Group();
  private bodies: THREE.Group[] = [];
  private arrow: THREE.ArrowHelper | null = null;
  private readonly checker = makeCheckerTexture();
  private readonly focus = new THREE.Vector3();
  private framedEnv: string | null = null;
  /** The camera distance chosen for this env (the camera backs off beyond it to keep a goal in view). */
  private baseSpan = 3.5;
  /** A position goal: the camera then follows the midpoint of robot and goal, so both stay in view. */
  private goalPosition: THREE.Vector3 | null = null;
  /** Side by side: the first body of each robot, and its label. */
  private laneRoots: THREE.Group[] = [];
  private labels: THREE.Sprite[] = [];

  constructor(private readonly container: HTMLElement) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.shadowMap.enabled = true;
    this.renderer.shadowMap.type = THREE.PCFShadowMap;
    container.appendChild(this.renderer.domElement);
    this.scene.background = new THREE.Color(0x9fb8cc);
    this.scene.fog = new THREE.Fog(0x9fb8cc, 25, 90);
    this.scene.add(new THREE.HemisphereLight(0xdfeeff, 0x4a4036, 1.1));
    this.sun.position.set(4, 8, 3);
    this.sun.castShadow = true;
    this.sun.shadow.mapSize.set(2048, 2048);
    const box = this.sun.shadow.camera;
    box.left = box.bottom = -6;
    box.right = box.top = 6;
    box.near = 0.5;
    box.far = 30;
    this.sun.shadow.bias = -0.0005;
    this.scene.add(this.sun, this.sun.target, this.world);
    this.camera.position.set(-2.5, 2.2, 3.2);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.resize();
    window.addEventListener('resize', () => this.resize());
  }

  setShadows(enabled: boolean): void {
    this.sun.castShadow = enabled;
  }

  /** Replaces everything with a new episode's scene; `lanes`: the k of each robot shown side by side. */
  load(description: SceneDescription, lanes?: number[]): void {
    disposeTree(this.world);
    this.world.clear();
    this.bodies = [];
    this.laneRoots = [];
    this.labels = [];
    this.arrow = null;
    for (const shape of description.statics) {
      const mesh = this.shapeMesh(shape, true);
      mesh.receiveShadow = true;
      this.world.add(mesh);
    }
    for (const body of description.bodies) {
      const group = new THREE.Group();
      group.name = body.name;
      for (const shape of body.shapes) group.add(this.shapeMesh(shape, false));
      this.bodies.push(group);
      this.world.add(group);
    }
    if (lanes && lanes.length > 1) this.markLanes(lanes);
    const size = robotSize(description);
    const goal = description.goal;
    this.goalPosition = goal?.kind === 'position' ? new THREE.Vector3(...goal.position) : null;
    if (goal?.kind === 'position')
      this.world.add(goalPost(goal.position, Math.min(1, Math.max(0.25, 4 * size))));
    else if (goal) {
      const [x, y, z] = goal.direction;
      const length = Math.max(0.6, 3 * size);
      this.arrow = new THREE.ArrowHelper(new THREE.Vector3(x, y, z).normalize(), undefined, length, 0xffd166);
      this.world.add(this.arrow);
    }
    if (this.framedEnv !== description.env) this.frame(description, size);
    else {
      // A new episode starts near the origin again: come back to the env's distance, keeping the user's angle.
      const offset = this.camera.position.clone().sub(this.focus).setLength(this.baseSpan);
      this.camera.position.copy(this.focus).add(offset);
    }
  }

  private markLanes(lanes: number[]): void {
    const perLane = Math.floor(this.bodies.length / lanes.length);
    lanes.forEach((k, lane) => {
      const tint = new THREE.Color(laneColor(k));
      const bodies = this.bodies.slice(lane * perLane, (lane + 1) * perLane);
      for (const body of bodies) {
        body.traverse((object) => {
          if (object instanceof THREE.Mesh)
            (object.material as THREE.MeshStandardMaterial).color.lerp(tint, 0.6);
        });
      }
      this.laneRoots.push(bodies[0]!);
      const label = textSprite(`k = ${k}`, laneColor(k));
      this.labels.push(label);
      this.world.add(label);
    });
  }

  /** Puts the camera at a distance that shows the robot and, for a position goal, the goal too. */
  private frame(description: SceneDescription, size: number): void {
    this.framedEnv = description.env;
    let span = Math.max(3.5, 20 * size);
    const goal = description.goal;
    if (goal?.kind === 'position') span = Math.max(span, 2 * Math.hypot(goal.position[0], goal.position[2]));
    this.baseSpan = span;
    this.focus.set(0, 0, 0);
    this.camera.position.copy(new THREE.Vector3(-0.55, 0.6, 0.75).normalize().multiplyScalar(span));
    this.controls.target.copy(this.focus);
  }

  /** Moves the bodies to a frame's poses: x, y, z, qx, qy, qz, qw per body. */
  applyPoses(poses: Float32Array): void {
    this.bodies.forEach((body, i) => {
      const o = i * 7;
      if (o + 7 > poses.length) return;
      body.position.set(poses[o]!, poses[o + 1]!, poses[o + 2]!);
      body.quaternion.set(poses[o + 3]!, poses[o + 4]!, poses[o + 5]!, poses[o + 6]!);
    });
  }

  render(): void {
    const root = this.bodies[0];
    const lanes = this.laneRoots;
    this.labels.forEach((label, i) => {
      label.position.copy(lanes[i]!.position).add(new THREE.Vector3(0, 0.7, 0));
    });
    if (root && this.follow) {
      // Follow the robot (the middle of the robots side by side), leaning towards a position goal; back the camera
      // off when the goal or the other robots would leave the view.
      const middle =
        lanes.length > 1
          ? lanes
              .reduce((sum, lane) => sum.add(lane.position), new THREE.Vector3())
              .divideScalar(lanes.length)
          : root.position.clone();
      const target = this.goalPosition ? middle.clone().lerp(this.goalPosition, 0.35) : middle.clone();
      const delta = target.sub(this.focus).multiplyScalar(0.1);
      this.focus.add(delta);
      this.camera.position.add(delta);
      this.controls.target.copy(this.focus);
      const spread = Math.max(0, ...lanes.map((lane) => 2 * lane.position.distanceTo(middle)));
      if (this.goalPosition || spread > 0) {
        const offset = this.camera.position.clone().sub(this.focus);
        const apart =
          1.6 * Math.max(spread, this.goalPosition ? root.position.distanceTo(this.goalPosition) : 0);
        const wanted = Math.min(3 * this.baseSpan, Math.max(this.baseSpan, apart));
        const distance = offset.length();
        if (distance < wanted)
          this.camera.position.copy(this.focus).add(offset.setLength(distance + 0.05 * (wanted - distance)));
      }
    }
    if (root && this.arrow) this.arrow.position.copy(root.position).add(new THREE.Vector3(0, 0.5, 0));
    this.sun.position.copy(this.focus).add(new THREE.Vector3(4, 8, 3));
    this.sun.target.position.copy(this.focus);
    this.controls.update();
    this.renderer.render(this.scene, this.camera);
  }

  private resize(): void {
    const { clientWidth: width, clientHeight: height } = this.container;
    this.renderer.setSize(width, height);
    this.camera.aspect = width / Math.max(1, height);
    this.camera.updateProjectionMatrix();
  }

  private shapeMesh(shape: ShapeDescription, isStatic: boolean): THREE.Mesh {
    const material = new THREE.MeshStandardMaterial({ color: shape.color, roughness: 0.85, metalness: 0.05 });
    let geometry: THREE.BufferGeometry;
    switch (shape.type) {
      case 'box':
        geometry = new THREE.BoxGeometry(...shape.halfExtents.map((h) => 2 * h));
        break;
      case 'sphere':
        geometry = new THREE.SphereGeometry(shape.radius, 32, 16);
        break;
      case 'capsule':
        geometry = new THREE.CapsuleGeometry(shape.radius, 2 * shape.halfHeight, 8, 16);
        break;
      case 'cylinder':
        geometry = new THREE.CylinderGeometry(shape.radius, shape.radius, 2 * shape.halfHeight, 24);
        break;
      case 'heightfield':
        geometry = heightfieldGeometry(shape.nx, shape.nz, shape.heights, shape.size);
        break;
    }
    if (isStatic) {
      material.map = this.checker;
      if (shape.type !== 'heightfield') worldScaleUvs(geometry);
    }
    const mesh = new THREE.Mesh(geometry, material);
    mesh.position.set(...shape.offset);
    mesh.quaternion.set(...shape.rotation);
    mesh.castShadow = !isStatic;
    mesh.receiveShadow = true;
    return mesh;
  }
}

/** (nx + 1) x (nz + 1) heights, index ix * (nz + 1) + iz, spanning size (x, z), centred on the origin. */
function heightfieldGeometry(nx: number, nz: number, heights: number[], size: [number, number]) {
  const positions = new Float32Array((nx + 1) * (nz + 1) * 3);
  const uvs = new Float32Array((nx + 1) * (nz + 1) * 2);
  for (let ix = 0; ix <= nx; ix++) {
    for (let iz = 0; iz <= nz; iz++) {
      const i = ix * (nz + 1) + iz;
      const x = -size[0] / 2 + (ix * size[0]) / nx;
      const z = -size[1] / 2 + (iz * size[1]) / nz;
      positions.set([x, heights[i] ?? 0, z], 3 * i);
      uvs.set([x, z], 2 * i);
    }
  }
  const indices: number[] = [];
  for (let ix = 0; ix < nx; ix++) {
    for (let iz = 0; iz < nz; iz++) {
      const a = ix * (nz + 1) + iz;
      const b = a + nz + 1;
      indices.push(a, a + 1, b, b, a + 1, b + 1);
    }
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
  geometry.setAttribute('uv', new THREE.BufferAttribute(uvs, 2));
  geometry.setIndex(indices);
  geometry.computeVertexNormals();
  return geometry;
}

/** One checker square per metre on terrain boxes: replaces the per-face 0..1 UVs by the face's metric size. */
function worldScaleUvs(geometry: THREE.BufferGeometry): void {
  const position = geometry.getAttribute('position');
  const normal = geometry.getAttribute('normal');
  const uv = geometry.getAttribute('uv');
  if (!position || !normal || !uv) return;
  for (let i = 0; i < uv.count; i++) {
    const [x, y, z] = [position.getX(i), position.getY(i), position.getZ(i)];
    const ny = Math.abs(normal.getY(i));
    const nx = Math.abs(normal.getX(i));
    uv.setXY(i, ny > 0.5 ? x : nx > 0.5 ? z : x, ny > 0.5 ? z : y);
  }
  uv.needsUpdate = true;
}

function makeCheckerTexture(): THREE.Texture {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, 64, 64);
  context.fillStyle = '#d4d4d4';
  context.fillRect(0, 0, 32, 32);
  context.fillRect(32, 32, 32, 32);
  const texture = new THREE.CanvasTexture(canvas);
  texture.wrapS = texture.wrapT = THREE.RepeatWrapping;
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.anisotropy = 4;
  return texture;
}

/** Radius (m) of the robot around its first body: the largest reach of any body's shape from the origin. */
function robotSize(description: SceneDescription): number {
  let size = 0.05;
  for (const body of description.bodies) {
    for (const shape of body.shapes) {
      const reach =
        shape.type === 'box'
          ? Math.hypot(...shape.halfExtents)
          : shape.type === 'heightfield'
            ? 0
            : shape.radius + ('halfHeight' in shape ? shape.halfHeight : 0);
      size = Math.max(size, Math.hypot(...shape.offset) + reach);
    }
  }
  return size;
}

/** A label that always faces the camera: `text` on a dark rounded tag, in `color`. */
function textSprite(text: string, color: string): THREE.Sprite {
  const canvas = document.createElement('canvas');
  canvas.width = 256;
  canvas.height = 96;
  const context = canvas.getContext('2d')!;
  context.fillStyle = 'rgba(20, 23, 28, 0.8)';
  context.beginPath();
  context.roundRect(8, 8, 240, 80, 18);
  context.fill();
  context.font = 'bold 52px system-ui, sans-serif';
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.fillStyle = color;
  context.fillText(text, 128, 50);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  const sprite = new THREE.Sprite(new THREE.SpriteMaterial({ map: texture, depthTest: false }));
  sprite.scale.set(0.6, 0.225, 1);
  sprite.renderOrder = 1;
  return sprite;
}

function goalPost(position: [number, number, number], scale: number): THREE.Group {
  const group = new THREE.Group();
  const material = new THREE.MeshStandardMaterial({ color: 0xffd166, emissive: 0x6b4d00, roughness: 0.5 });
  const pole = new THREE.Mesh(new THREE.CylinderGeometry(0.02, 0.02, 0.8, 12), material);
  pole.position.y = 0.4;
  const flag = new THREE.Mesh(new THREE.ConeGeometry(0.08, 0.16, 16), material);
  flag.position.y = 0.85;
  flag.rotation.x = Math.PI;
  const ring = new THREE.Mesh(new THREE.RingGeometry(0.2, 0.26, 40), material);
  ring.rotation.x = -Math.PI / 2;
  ring.position.y = 0.005;
  for (const mesh of [pole, flag]) mesh.castShadow = true;
  group.add(pole, flag, ring);
  group.position.set(...position);
  group.scale.setScalar(scale);
  group.name = 'goal';
  return group;
}

function disposeTree(root: THREE.Object3D): void {
  root.traverse((object) => {
    if (object instanceof THREE.Mesh) {
      object.geometry.dispose();
      const materials = Array.isArray(object.material) ? object.material : [object.material];
      for (const material of materials) material.dispose();
    }
    if (object instanceof THREE.Sprite) {
      object.material.map?.dispose();
      object.material.dispose();
    }
  });
}
