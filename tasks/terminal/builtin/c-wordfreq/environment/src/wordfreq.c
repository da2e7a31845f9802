#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_SIZE 4096

struct entry {
    char *word;
    int count;
    struct entry *next;
};

static struct entry *table[TABLE_SIZE];
static int distinct = 0;

static unsigned hash(const char *s) {
    unsigned h = 5381;
    while (*s) h = h * 33 + (unsigned char)*s++;
    return h % TABLE_SIZE;
}

static void add(char *word) {
    unsigned h = hash(word);
    for (char *p = word; *p; p++) *p = tolower((unsigned char)*p);
    for (struct entry *e = table[h]; e; e = e->next) {
        if (strcmp(e->word, word) == 0) {
            e->count++;
            return;
        }
    }
    struct entry *e = malloc(sizeof *e);
    e->word = strdup(word);
    e->count = 1;
    e->next = table[h];
    table[h] = e;
    distinct++;
}

static int by_count(const void *a, const void *b) {
    const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
    return y->count - x->count;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: wordfreq FILE N\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    int n = atoi(argv[2]);
    char word[32];
    int len = 0, c;
    while ((c = fgetc(f)) != EOF) {
        if (isalpha(c) && c < 128) {
            word[len++] = (char)c;
        } else if (len > 0) {
            word[len] = '\0';
            add(word);
            len = 0;
        }
    }
    if (len > 0) {
        word[len] = '\0';
        add(word);
    }
    fclose(f);
    struct entry **all = malloc(sizeof *all * (distinct ? distinct : 1));
    int k = 0;
    for (int i = 0; i < TABLE_SIZE; i++)
        for (struct entry *e = table[i]; e; e = e->next) all[k++] = e;
    qsort(all, distinct, sizeof *all, by_count);
    for (int i = 0; i < n && i < distinct; i++) printf("%d %s\n", all[i]->count, all[i]->word);
    return 0;
}
