import { describe, expect, it } from 'vitest';
import { Random } from './random';
import { numberToWords, transcribe } from './speech';

const SCRIPT =
  "We've been trying to reach you concerning your car's extended warranty. This is your final courtesy call before we close out your file. Press 1 now to speak with a warranty specialist, or call us back at 833-555-0142.";
const SPANISH =
  'Aviso importante de la Administración de Beneficios. Su número de beneficios ha sido suspendido por actividad sospechosa. Oprima 1 para hablar con un oficial o llame al 833-555-0190.';

const many = (level: number, text = SCRIPT, seed = 1, language: 'en' | 'es' = 'en') => {
  const rnd = new Random(seed);
  return Array.from({ length: 2000 }, () => transcribe(text, rnd, { level, language }));
};

describe('speech-to-text noise', () => {
  it('gives the script back unchanged at level 0, drawing nothing', () => {
    const rnd = new Random(3);
    expect(transcribe(SCRIPT, rnd, { level: 0 })).toBe(SCRIPT);
    expect(rnd.next()).toBe(new Random(3).next());
  });

  it('is the same for the same seed', () => {
    expect(many(1, SCRIPT, 9)).toEqual(many(1, SCRIPT, 9));
    expect(many(1, SCRIPT, 9)).not.toEqual(many(1, SCRIPT, 10));
  });

  it('makes the errors a speech model makes, more of them at higher levels', () => {
    const out = many(1);
    const texts = out.filter((t): t is string => t !== null);
    const share = (f: (t: string) => boolean) => texts.filter(f).length / texts.length;
    // Silence: no transcript, or the model's stock words for it.
    expect(out.filter((t) => t === null).length).toBeGreaterThan(10);
    // The recording started late / ended early.
    expect(share((t) => !t.startsWith("We've"))).toBeGreaterThan(0.15);
    expect(share((t) => !t.endsWith('0142.') && !t.endsWith('0 1 4 2.'))).toBeGreaterThan(0.1);
    // Near-misses and numbers written another way.
    expect(share((t) => /warrantee|warranties/.test(t))).toBeGreaterThan(0.1);
    expect(share((t) => /press (one|won)\b/i.test(t))).toBeGreaterThan(0.1);
    expect(share((t) => /press won\b/i.test(t))).toBeGreaterThan(0.01);
    expect(share((t) => /eight three three|8335550142|833 555 0142/.test(t))).toBeGreaterThan(0.05);
    expect(share((t) => /\b(uh|um)\b/.test(t))).toBeGreaterThan(0.05);
    expect(share((t) => t.includes('\n'))).toBeGreaterThan(0.01);
    // Most of the script is still there: detection has something to work with.
    const words = (t: string) => t.toLowerCase().match(/[a-z']+/g) ?? [];
    const kept = (t: string) => {
      const heard = new Set(words(t));
      return words(SCRIPT).filter((w) => heard.has(w)).length / words(SCRIPT).length;
    };
    expect(share((t) => kept(t) >= 0.6)).toBeGreaterThan(0.85);
    const unchanged = (level: number) => many(level).filter((t) => t === SCRIPT).length;
    expect(unchanged(0.3)).toBeGreaterThan(unchanged(1));
    expect(unchanged(1)).toBeGreaterThan(unchanged(3));
  });

  it('keeps Spanish in Spanish', () => {
    const texts = many(1, SPANISH, 4, 'es').filter((t): t is string => t !== null);
    expect(texts.filter((t) => /oprima uno|o prima|oprime/.test(t)).length).toBeGreaterThan(50);
    expect(texts.some((t) => /\b(won|warrantee|uh|um)\b/.test(t))).toBe(false);
  });

  it('writes numbers as words', () => {
    expect(numberToWords(0)).toBe('zero');
    expect(numberToWords(14)).toBe('fourteen');
    expect(numberToWords(30)).toBe('thirty');
    expect(numberToWords(99)).toBe('ninety-nine');
    expect(numberToWords(1499)).toBe('one thousand four hundred ninety-nine');
    expect(numberToWords(25_000)).toBe('twenty-five thousand');
    expect(numberToWords(3_000_017)).toBe('three million seventeen');
  });
});
