/**
 * Which part of the state tree each relay agent owns. Plugin agents cannot carry their own
 * hooks or permission rules, so the PostToolUse hook checks a relay agent's writes against
 * this table and tells it at once when it wrote outside its part.
 */
import type { FileKind } from '../protocol/layout.js';

/** What every agent may write: its own findings log ("log this") and postmortems. */
const SHARED: FileKind[] = ['findings', 'postmortem'];

/** The file kinds each relay agent writes with the file tools. */
export const AGENT_OWNS: Record<string, { kinds: FileKind[]; describe: string }> = {
  'relay:planner': { kinds: ['task', 'wave-file', ...SHARED], describe: 'plan/task-NNN.md, discovery waves, findings logs and postmortems' },
  'relay:writer': { kinds: ['draft', ...SHARED], describe: 'review/draft-NNN.mdx, findings logs and postmortems' },
  'relay:reviewer': { kinds: ['final', 'completed', ...SHARED], describe: 'review/final-NNN.mdx, review/completed.md, findings logs and postmortems' },
};

/** Why an agent should not have written a file of this kind, or undefined when it may. */
export function ownershipProblem(agentType: string | undefined, path: string, kind: FileKind | undefined): string | undefined {
  if (agentType === undefined || kind === undefined) return undefined;
  const owner = AGENT_OWNS[agentType];
  if (!owner || owner.kinds.includes(kind)) return undefined;
  if (kind === 'todo' || kind === 'done') {
    return `\`${agentType}\` edited \`${path}\` with a file tool; the queue files change only through \`relay claim\`, \`relay done\`, \`relay release\` and \`relay add\`. Restore the file and use \`relay\``;
  }
  return `\`${agentType}\` wrote \`${path}\`, which is not its part of the tree (it writes ${owner.describe}). Restore the file and leave that change to the agent that owns it`;
}
