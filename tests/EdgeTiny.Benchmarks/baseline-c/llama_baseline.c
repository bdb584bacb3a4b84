/*
 * llama_baseline.c — EdgeTiny's own C baseline for end-to-end decode speed.
 *
 * Reads a llama2.c-format fp32 checkpoint ("version 0", see shared/models/stories260K/README.md) and greedily decodes
 * N tokens starting from BOS, timing the forward passes. It prints one JSON object:
 *   {"model": ..., "steps": N, "seconds": s, "tokens_per_second": N/s, "tokens": [ids...]}
 *
 * The forward pass is the plain fp32 Llama: RMSNorm, q/k/v projections, RoPE on (2i, 2i+1) pairs, grouped-query
 * attention over a KV cache, output projection, SwiGLU feed-forward, final RMSNorm, classifier (shared with the token
 * embedding unless the header's vocab_size is negative). Dot products accumulate in float in index order, so
 * greedy tokens match the reference implementation. Build with -DVECTOR_SUMS to let the compiler vectorise the
 * matrix × vector (8 partial sums per row; different rounding, usually the same tokens).
 *
 * Build: gcc -O3 -march=native -o llama_baseline llama_baseline.c -lm
 * Run:   ./llama_baseline stories260K.bin [steps=256]
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
} Config;

typedef struct {
    const float *token_embedding; /* (vocab, dim) */
    const float *rms_att;         /* (layers, dim) */
    const float *wq, *wk, *wv, *wo; /* (layers, dim, dim), (layers, kv_dim, dim) x2, (layers, dim, dim) */
    const float *rms_ffn;         /* (layers, dim) */
    const float *w1, *w2, *w3;    /* (layers, hidden, dim), (layers, dim, hidden), (layers, hidden, dim) */
    const float *rms_final;       /* (dim) */
    const float *classifier;      /* (vocab, dim) */
} Weights;

typedef struct {
    float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits;
    float *key_cache, *value_cache; /* (layers, seq_len, kv_dim) */
} State;

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n, size);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
    return p;
}

/* Loads the whole checkpoint into memory and points the weights into it. Returns the buffer (caller frees). */
static float *load_checkpoint(const char *path, Config *c, Weights *w) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "%s: cannot open\n", path); exit(2); }
    int32_t header[7];
    if (fread(header, sizeof(int32_t), 7, f) != 7) { fprintf(stderr, "%s: truncated header\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 7 * sizeof(int32_t), SEEK_SET);
    long floats = (bytes - 7 * (long)sizeof(int32_t)) / (long)sizeof(float);
    float *data = xcalloc((size_t)floats, sizeof(float));
    if (fread(data, sizeof(float), (size_t)floats, f) != (size_t)floats) { fprintf(stderr, "%s: truncated\n", path); exit(2); }
    fclose(f);

    c->dim = header[0]; c->hidden_dim = header[1]; c->n_layers = header[2]; c->n_heads = header[3];
    c->n_kv_heads = header[4]; c->vocab_size = header[5]; c->seq_len = header[6];
    int shared = c->vocab_size > 0;
    if (!shared) c->vocab_size = -c->vocab_size;

    long dim = c->dim, hidden = c->hidden_dim, layers = c->n_layers;
    long head_size = dim / c->n_heads, kv_dim = dim * c->n_kv_heads / c->n_heads;
    const float *p = data;
    w->token_embedding = p; p += c->vocab_size * dim;
    w->rms_att = p;         p += layers * dim;
    w->wq = p;              p += layers * dim * dim;
    w->wk = p;              p += layers * kv_dim * dim;
    w->wv = p;              p += layers * kv_dim * dim;
    w->wo = p;              p += layers * dim * dim;
    w->rms_ffn = p;         p += layers * dim;
    w->w1 = p;              p += layers * hidden * dim;
    w->w2 = p;              p += layers * dim * hidden;
    w->w3 = p;              p += layers * hidden * dim;
    w->rms_final = p;       p += dim;
    p += c->seq_len * head_size / 2; /* legacy RoPE cos table */
    p += c->seq_len * head_size / 2; /* legacy RoPE sin table */
    w->classifier = shared ? w->token_embedding : p;
    if (!shared) p += c->vocab_size * dim;
    if (p - data > floats) { fprintf(stderr, "%s: file too short for its header\n", path); exit(2); }
    return data;
}

static void alloc_state(State *s, const Config *c) {
    int kv_dim = c->dim * c->n_kv_heads / c->n_heads;
    s->x = xcalloc(c->dim, sizeof(float));
    s->xb = xcalloc(c->dim, sizeof(float));
    s->xb2 = xcalloc(c->dim, sizeof(float));
    s->hb = xcalloc(c->hidden_dim, sizeof(float));
    s->hb2 = xcalloc(c->hidden_dim, sizeof(float));
    s->q = xcalloc(c->dim, sizeof(float));
    s->att = xcalloc((size_t)c->n_heads * c->seq_len, sizeof(float));
    s->logits = xcalloc(c->vocab_size, sizeof(float));
    s->key_cache = xcalloc((size_t)c->n_layers * c->seq_len * kv_dim, sizeof(float));
    s->value_cache = xcalloc((size_t)c->n_layers * c->seq_len * kv_dim, sizeof(float));
}

static void free_state(State *s) {
    free(s->x); free(s->xb); free(s->xb2); free(s->hb); free(s->hb2); free(s->q); free(s->att); free(s->logits);
    free(s->key_cache); free(s->value_cache);
}

/* out = weight * x / rms(x) */
static void rmsnorm(float *out, const float *x, const float *weight, int n) {
    float ss = 0.0f;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    float inv = 1.0f / sqrtf(ss / n + 1e-5f);
    for (int i = 0; i < n; i++) out[i] = weight[i] * (inv * x[i]);
}

static void softmax(float *x, int n) {
    float max = x[0];
    for (int i = 1; i < n; i++) if (x[i] > max) max = x[i];
    float sum = 0.0f;
    for (int i = 0; i < n; i++) { x[i] = expf(x[i] - max); sum += x[i]; }
    for (int i = 0; i < n; i++) x[i] /= sum;
}

/* y (rows) = W (rows, cols) · x (cols) */
static void matvec(float *restrict y, const float *restrict w, const float *restrict x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t)r * cols;
#ifdef VECTOR_SUMS
        float part[8] = {0};
        int c = 0;
        for (; c + 8 <= cols; c += 8)
            for (int k = 0; k < 8; k++) part[k] += row[c + k] * x[c + k];
        float sum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
        for (; c < cols; c++) sum += row[c] * x[c];
#else
        float sum = 0.0f;
        for (int c = 0; c < cols; c++) sum += row[c] * x[c];
#endif
        y[r] = sum;
    }
}

/* Rotates the (2i, 2i+1) pairs of every head in v (n floats) by pos · theta^(-2i/head_size). */
static void rope(float *v, int n, int head_size, int pos) {
    for (int i = 0; i < n; i += 2) {
        int pair = i % head_size;
        float freq = 1.0f / powf(10000.0f, pair / (float)head_size);
        float angle = pos * freq;
        float c = cosf(angle), s = sinf(angle);
        float v0 = v[i], v1 = v[i + 1];
        v[i] = v0 * c - v1 * s;
        v[i + 1] = v0 * s + v1 * c;
    }
}

static float *forward(const Config *c, const Weights *w, State *s, int token, int pos) {
    int dim = c->dim, hidden = c->hidden_dim, head_size = dim / c->n_heads;
    int kv_dim = dim * c->n_kv_heads / c->n_heads, kv_mul = c->n_heads / c->n_kv_heads;
    memcpy(s->x, w->token_embedding + (size_t)token * dim, dim * sizeof(float));

    for (int l = 0; l < c->n_layers; l++) {
        /* attention: q for this position; k and v go straight into the cache row of pos */
        rmsnorm(s->xb, s->x, w->rms_att + (size_t)l * dim, dim);
        float *k = s->key_cache + ((size_t)l * c->seq_len + pos) * kv_dim;
        float *v = s->value_cache + ((size_t)l * c->seq_len + pos) * kv_dim;
        matvec(s->q, w->wq + (size_t)l * dim * dim, s->xb, dim, dim);
        matvec(k, w->wk + (size_t)l * kv_dim * dim, s->xb, kv_dim, dim);
        matvec(v, w->wv + (size_t)l * kv_dim * dim, s->xb, kv_dim, dim);
        rope(s->q, dim, head_size, pos);
        rope(k, kv_dim, head_size, pos);

        const float *keys = s->key_cache + (size_t)l * c->seq_len * kv_dim;
        const float *values = s->value_cache + (size_t)l * c->seq_len * kv_dim;
        float scale = sqrtf((float)head_size);
        for (int h = 0; h < c->n_heads; h++) {
            const float *q = s->q + h * head_size;
            float *att = s->att + (size_t)h * c->seq_len;
            int kv_off = (h / kv_mul) * head_size;
            for (int t = 0; t <= pos; t++) {
                const float *kt = keys + (size_t)t * kv_dim + kv_off;
                float score = 0.0f;
                for (int i = 0; i < head_size; i++) score += q[i] * kt[i];
                att[t] = score / scale;
            }
            softmax(att, pos + 1);
            float *out = s->xb + h * head_size;
            memset(out, 0, head_size * sizeof(float));
            for (int t = 0; t <= pos; t++) {
                const float *vt = values + (size_t)t * kv_dim + kv_off;
                for (int i = 0; i < head_size; i++) out[i] += att[t] * vt[i];
            }
        }
        matvec(s->xb2, w->wo + (size_t)l * dim * dim, s->xb, dim, dim);
        for (int i = 0; i < dim; i++) s->x[i] += s->xb2[i];

        /* feed-forward: w2(silu(w1 x) * w3 x) */
        rmsnorm(s->xb, s->x, w->rms_ffn + (size_t)l * dim, dim);
        matvec(s->hb, w->w1 + (size_t)l * hidden * dim, s->xb, hidden, dim);
        matvec(s->hb2, w->w3 + (size_t)l * hidden * dim, s->xb, hidden, dim);
        for (int i = 0; i < hidden; i++) {
            float g = s->hb[i];
            s->hb[i] = g * (1.0f / (1.0f + expf(-g))) * s->hb2[i];
        }
        matvec(s->xb, w->w2 + (size_t)l * dim * hidden, s->hb, dim, hidden);
        for (int i = 0; i < dim; i++) s->x[i] += s->xb[i];
    }

    rmsnorm(s->x, s->x, w->rms_final, dim);
    matvec(s->logits, w->classifier, s->x, c->vocab_size, dim);
    return s->logits;
}

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (v[i] > v[best]) best = i;
    return best;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s checkpoint.bin [steps=256]\n", argv[0]); return 2; }
    int steps = argc > 2 ? atoi(argv[2]) : 256;
    Config c;
    Weights w;
    float *data = load_checkpoint(argv[1], &c, &w);
    if (steps < 1 || steps > c.seq_len) { fprintf(stderr, "steps: %d is outside 1..%d\n", steps, c.seq_len); return 2; }
    State s;
    alloc_state(&s, &c);

    /* Greedy decode from BOS for exactly `steps` positions (no early stop at EOS/BOS, so every run does the same work). */
    int *tokens = xcalloc(steps, sizeof(int));
    int token = 1; /* BOS */
    double start = now_seconds();
    for (int pos = 0; pos < steps; pos++) {
        token = argmax(forward(&c, &w, &s, token, pos), c.vocab_size);
        tokens[pos] = token;
    }
    double seconds = now_seconds() - start;

    printf("{\"model\": {\"dim\": %d, \"hidden_dim\": %d, \"layers\": %d, \"heads\": %d, \"kv_heads\": %d, \"vocab\": %d, \"seq_len\": %d}, ",
           c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len);
#ifdef VECTOR_SUMS
    printf("\"variant\": \"vector-sums\", ");
#else
    printf("\"variant\": \"in-order\", ");
#endif
    printf("\"steps\": %d, \"seconds\": %.6f, \"tokens_per_second\": %.1f, \"tokens\": [", steps, seconds, steps / seconds);
    for (int i = 0; i < steps; i++) printf(i ? ", %d" : "%d", tokens[i]);
    printf("]}\n");

    free(tokens);
    free_state(&s);
    free(data);
    return 0;
}
