#!/bin/bash
set -euo pipefail
cd /app/src
python3 - <<'PY'
import re
src = open("wordfreq.c").read()
# Fold case before hashing, so equal words land in the same bucket.
src = src.replace(
    "    unsigned h = hash(word);\n    for (char *p = word; *p; p++) *p = tolower((unsigned char)*p);\n",
    "    for (char *p = word; *p; p++) *p = tolower((unsigned char)*p);\n    unsigned h = hash(word);\n",
)
# Ties in alphabetical order.
src = src.replace(
    "    return y->count - x->count;\n",
    "    if (y->count != x->count) return y->count - x->count;\n    return strcmp(x->word, y->word);\n",
)
# A growing buffer instead of 32 fixed bytes.
src = src.replace("    char word[32];\n    int len = 0, c;\n",
                  "    size_t cap = 64;\n    char *word = malloc(cap);\n    size_t len = 0;\n    int c;\n")
src = src.replace("            word[len++] = (char)c;\n",
                  "            if (len + 1 >= cap) word = realloc(word, cap *= 2);\n            word[len++] = (char)c;\n")
open("wordfreq.c", "w").write(src)
PY
make -B
