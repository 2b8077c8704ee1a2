/**
 * The public lines the bench stores before timing history requests: chat
 * text of realistic length (about 12 to 140 characters, some accented, so
 * some bytes are multi-byte UTF-8), the same on every run, each line
 * different (it starts with its number). Pure: a number in, a line out.
 */

const WORDS = [
  'oi', 'pessoal', 'tudo', 'bem', 'alguém', 'viu', 'o', 'jogo', 'ontem', 'sim', 'não', 'talvez', 'amanhã', 'reunião',
  'às', 'dez', 'horas', 'quem', 'vai', 'levar', 'café', 'obrigado', 'valeu', 'até', 'mais', 'tarde', 'acho', 'que',
  'precisamos', 'revisar', 'esse', 'código', 'antes', 'da', 'versão', 'nova', 'funcionou', 'aqui', 'também', 'ótimo',
  'vou', 'almoçar', 'volto', 'já', 'servidor', 'caiu', 'de', 'novo', 'está', 'lento', 'hoje', 'né', 'boa', 'ideia',
];

/** Lengths cycle through these, in characters before the last word is added: short and long lines mixed. */
const LENGTHS = [12, 40, 25, 90, 60, 18, 130, 45];

/** A small deterministic generator (a 32-bit LCG): the same words on every run. */
function nextSeed(seed: number): number {
  return (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
}

/** The `i`-th bench line: `<i> ` followed by words, about LENGTHS[i % 8] characters. */
export function chatText(i: number): string {
  const target = LENGTHS[i % LENGTHS.length]!;
  let seed = nextSeed(i + 1);
  let text = String(i);
  while (text.length < target) {
    seed = nextSeed(seed);
    // The high bits: an LCG's low bits repeat with a short period.
    text += ' ' + WORDS[(seed >>> 16) % WORDS.length]!;
  }
  return text;
}
