/**
 * The prompts `relay run` gives its sessions. The role's agent (`--agent relay:ROLE`) carries
 * how to work; the prompt says only what this session is for: its URLs (already claimed for
 * it), where they go when its part is done, or its discovery wave. Every prompt starts with
 * `relay run`, so a `--prompt FILE` that starts with `-` is never read as an option.
 */

/** A URL session's prompt: its URLs and where they go. */
export function workPrompt(options: { runId: string; role: string; agent: string; urls: string[]; stages?: string[]; stage?: number; handOnTo?: string }): string {
  const { runId, role, agent, urls } = options;
  const stageLine = options.stages !== undefined && options.stage !== undefined ? `, stage ${options.stage + 1} of ${options.stages.length} (${options.stages.join(' → ')})` : '';
  const next = options.stages !== undefined && options.stage !== undefined ? options.stages[options.stage + 1] : undefined;
  const finish = options.handOnTo !== undefined
    ? `When your part of a URL is finished, hand it to the ${next ?? 'next'} stage in one step: \`relay handoff '<URL>' --to ${options.handOnTo}\`. Do not mark it done: the last stage does.`
    : "When a URL is finished, mark it done: `relay done '<URL>'` (add `--output <file>` for the file it produced).";
  return [
    `relay run ${runId}: you are the ${role} session \`${agent}\` of this run${stageLine}.`,
    '',
    `Your work, already claimed for you under \`${agent}\` (\`relay claim -n ${urls.length}\` gives these same URLs back):`,
    ...urls.map((url) => `- ${url}`),
    '',
    'Get up to speed as your instructions say, then do your part for each of these URLs.',
    finish,
    "Work only on these URLs and claim no others. If you cannot finish one, give it back with `relay release '<URL>'` and say why in your log.",
    'End by logging this session: a findings log from `relay new findings`, `protocol-lint` clean, then `relay session end --findings <that path>`.',
  ].join('\n');
}

/**
 * A discovery wave session's prompt: the wave, exactly the files to read (every note of the wave
 * before, and the digest of the earlier ones, so its length does not grow with the waves), the
 * folder to write, and the user's `--prompt` text.
 */
export function wavePrompt(options: { runId: string; role: string; agent: string; wave: number; slot: number; perWave: number; discovery: string; text: string; notes: string[]; digest?: string }): string {
  const { wave, discovery } = options;
  const files = [...options.notes.map((path) => `- \`${path}\``), ...(options.digest === undefined ? [] : [`- \`${options.digest}\` (one line per note of waves 1–${wave - 2})`])];
  const before = wave > 1
    ? [`Read exactly these files first, and no other note: the notes of wave ${wave - 1}${options.digest === undefined ? '' : ' and the digest of the waves before it'}.`, ...files, `Link each \`wave-${wave - 1}\` note you read (a relative link, or \`reads:\` in the front matter).`]
    : ['This is the first wave: there are no notes before it.'];
  return [
    `relay run ${options.runId}: you are the ${options.role} session \`${options.agent}\`, discovery wave ${wave}, session ${options.slot} of ${options.perWave}.`,
    '',
    ...before,
    `Write ONE note to \`${discovery}/wave-${wave}/\`, in a file no other session of the wave uses (for example \`${discovery}/wave-${wave}/${options.agent}.md\`): a \`# \` title, then a one-sentence summary (the digest quotes it). Claim no URLs.`,
    'End by logging this session: a findings log from `relay new findings`, `protocol-lint` clean, then `relay session end --findings <that path>`.',
    '',
    options.text.trim() === '' ? 'Explore what the earlier waves left open.' : options.text.trim(),
  ].join('\n');
}
