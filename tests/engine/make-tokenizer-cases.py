#!/usr/bin/env python3
# make-tokenizer-cases.py: reference CLIP token ids for test-tokenizer, from an independent
# Python implementation (the `regex` module for CLIP's pre-tokenisation pattern, byte-level
# BPE by merge rank with "</w>"). Clean-up as in the C tokenizer and HF's fast CLIP
# tokenizer: NFC, whitespace runs → one space, strip, lower-case.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: make-tokenizer-cases.py TOKENIZER_DIR > data/tokenizer-cases.tsv
#        make-tokenizer-cases.py TOKENIZER_DIR --random N SEED > data/tokenizer-random.tsv
# (random texts mix Latin, Greek, Cyrillic, Arabic, Devanagari, kana, CJK, Hangul, emoji,
# symbols and combining marks)
import json
import sys
import unicodedata

import regex

PATTERN = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|"""
                        r"""[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE)

TEXTS = [
    "a photo of a cat", "A Photo Of A CAT", "the cat's toy", "they're here, aren't they?",
    "I'll go; you'd stay; we've gone; I'm done", "rock'n'roll", "don't!!!", "100 dogs",
    "3.14159", "route 66 and i-95", "#ff00aa", "paint the banana in the upper-right purple",
    "the girl with the red mask", "e-mail me @ home", "(parenthesis) [brackets] {braces}",
    "multi   space\t\ttabs\nnewline", "  leading and trailing  ", "café crème brûlée",
    "naïve façade", "Ünïcödé ÀÉÎÕÜ", "straße", "ÉCOLE", "日本語のテキスト", "猫が好き",
    "一只猫", "한국어 텍스트", "Привет, мир", "Γειά σου κόσμε", "مرحبا بالعالم", "שלום",
    "हिन्दी", "ไทย", "🐱 cat", "🍌🍌🍌", "👩‍👩‍👧 family", "🇫🇷 flag", "a—b–c", "“quotes” ‘single’",
    "x²+y³", "½ cup", "Ⅻ roman", "Ⓐⓑ circled", "ǅ titlecase", "İstanbul", "٣ arabic digit", "tab\u00a0nbsp", "zero\u200bwidth",
    "hello<|endoftext|>world", "<|startoftext|>", "ending with apostrophe'", "''s",
    "a" * 40, "supercalifragilisticexpialidocious", "unfathomably-large-things",
    "HTML &amp; entities", "back\\slash and /slash", "under_score", "mixed123abc456",
    "ok.", "...", "?!?!", "~`^", "the red car on the left", "the second apple from the right",
]


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(0xA1, 0xAC + 1)) + \
        list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def random_texts(n, seed):
    import random
    rng = random.Random(seed)
    pools = [range(0x20, 0x7f), range(0xa0, 0x250), range(0x300, 0x370), range(0x370, 0x400),
             range(0x400, 0x530), range(0x600, 0x6ff), range(0x900, 0x97f),
             range(0x2000, 0x2070), range(0x2100, 0x2200), range(0x2460, 0x2500),
             range(0x3040, 0x30ff), range(0x4e00, 0x4f00), range(0xac00, 0xac80),
             range(0x1f300, 0x1f650)]
    texts = []
    for _ in range(n):
        length = rng.randint(1, 30)
        texts.append(''.join(chr(rng.choice(rng.choice(pools))) for _ in range(length)))
    return texts


def main():
    global TEXTS
    folder = sys.argv[1]
    if len(sys.argv) == 5 and sys.argv[2] == '--random':
        TEXTS = random_texts(int(sys.argv[3]), int(sys.argv[4]))
    vocab = json.load(open(folder + '/vocab.json', encoding='utf-8'))
    lines = open(folder + '/merges.txt', encoding='utf-8').read().split('\n')
    ranks = {}
    for i, line in enumerate(l for l in lines[1:] if l):
        a, b = line.split(' ')
        ranks.setdefault((a, b), i)
    byte_map = bytes_to_unicode()

    def bpe(word):
        symbols = list(word[:-1]) + [word[-1] + '</w>']
        while len(symbols) > 1:
            pairs = [(ranks.get((symbols[i], symbols[i + 1]), 1 << 30), i)
                     for i in range(len(symbols) - 1)]
            rank, _ = min(pairs)
            if rank == 1 << 30:
                break
            first, second = min(pairs)[1], None
            a, b = symbols[first], symbols[first + 1]
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return symbols

    for text in TEXTS:
        clean = unicodedata.normalize('NFC', text)
        clean = regex.sub(r'\s+', ' ', clean).strip().lower()
        ids = [vocab['<|startoftext|>']]
        for token in PATTERN.findall(clean):
            if token in ('<|startoftext|>', '<|endoftext|>'):
                ids.append(vocab[token])
                continue
            mapped = ''.join(byte_map[b] for b in token.encode('utf-8'))
            ids.extend(vocab.get(s, vocab['<|endoftext|>']) for s in bpe(mapped))
        ids = ids[:76] + [vocab['<|endoftext|>']]
        escaped = text.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n')
        print('%s\t%s' % (escaped, ' '.join(str(i) for i in ids)))


if __name__ == '__main__':
    main()
