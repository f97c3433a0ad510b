/** One colour per inner step k, shared by the robots side by side and the rows of the per-k table. */
const LANE_COLORS = ['#ef8a62', '#67c587', '#6aa9e9', '#c39bd3', '#f2d16b', '#5fd0c9'];

export function laneColor(k: number): string {
  return LANE_COLORS[k % LANE_COLORS.length]!;
}
