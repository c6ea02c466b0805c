/* Neural Playground's fast path: whole epochs of mini-batch training of a stack of dense layers,
 * forward, backward, regularization, gradient clipping and the optimizer step, plus the per-epoch
 * loss and accuracy over both splits, in one call.
 *
 * It computes what the eager PyTorch loop computes, operation for operation (see fastpath.py for
 * which settings it accepts, and tests/core/test_fastpath.py for the comparison): float32
 * arithmetic, torch.optim's update formulas, torch's activation derivatives. The weights, the
 * optimizer's state and the "last good" copies are the torch tensors' own memory.
 *
 * Tiny networks spend nearly all their time in PyTorch's per-operation overhead; here a step of
 * the TensorFlow Playground's networks costs a few microseconds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ACT_LINEAR, ACT_RELU, ACT_LEAKY_RELU, ACT_ELU, ACT_TANH, ACT_SIGMOID, ACT_SINE, ACT_SOFTPLUS };
enum { LOSS_MSE, LOSS_MAE, LOSS_HUBER, LOSS_HINGE, LOSS_BCE_LOGITS, LOSS_CROSS_ENTROPY, LOSS_BCE_PROBS };
enum { OPT_SGD, OPT_MOMENTUM, OPT_NESTEROV, OPT_ADAM, OPT_ADAMW, OPT_RMSPROP, OPT_ADAGRAD };
enum { REG_NONE, REG_L1, REG_L2 };
enum { ACC_NONE, ACC_ARGMAX, ACC_THRESHOLD };
/* opt_args */
enum { ARG_MOMENTUM, ARG_BETA1, ARG_BETA2, ARG_EPS, ARG_WEIGHT_DECAY, ARG_ALPHA };

#define EVAL_ROWS 256

typedef struct {
    int layers;
    const int *sizes; /* layers + 1 */
    const int *acts;
    float **params;   /* W0, b0, W1, b1, ... (W: out × in, row-major) */
    int max_width;
} Net;

static float activate(int act, float z) {
    switch (act) {
    case ACT_RELU: return z > 0.0f ? z : 0.0f;
    case ACT_LEAKY_RELU: return z > 0.0f ? z : z * 0.01f;
    case ACT_ELU: return z > 0.0f ? z : expm1f(z);
    case ACT_TANH: return tanhf(z);
    case ACT_SIGMOID: return 1.0f / (1.0f + expf(-z));
    case ACT_SINE: return sinf(z);
    case ACT_SOFTPLUS: return z > 20.0f ? z : log1pf(expf(z));
    default: return z;
    }
}

/* d activation / dz times g, as torch's backward formulas compute it (from z or the output a) */
static float activate_backward(int act, float z, float a, float g) {
    switch (act) {
    case ACT_RELU: return a > 0.0f ? g : 0.0f;
    case ACT_LEAKY_RELU: return z > 0.0f ? g : g * 0.01f;
    case ACT_ELU: return z > 0.0f ? g : g * expf(z);
    case ACT_TANH: return g * (1.0f - a * a);
    case ACT_SIGMOID: return g * (1.0f - a) * a;
    case ACT_SINE: return g * cosf(z);
    case ACT_SOFTPLUS: {
        if (z > 20.0f) return g;
        float e = expf(z);
        return g * e / (e + 1.0f);
    }
    default: return g;
    }
}

/* rows of x (rows × sizes[0]) through the net; z[l], a[l] hold layer l's pre- and post-activation */
static void forward(const Net *net, const float *x, int rows, float **z, float **a) {
    const float *in = x;
    for (int l = 0; l < net->layers; l++) {
        int n_in = net->sizes[l], n_out = net->sizes[l + 1];
        const float *W = net->params[2 * l], *b = net->params[2 * l + 1];
        float *zl = z[l], *al = a[l];
        for (int r = 0; r < rows; r++) {
            const float *xr = in + (size_t)r * n_in;
            for (int o = 0; o < n_out; o++) {
                const float *w = W + (size_t)o * n_in;
                float s = 0.0f;
                for (int i = 0; i < n_in; i++) s += xr[i] * w[i];
                float v = s + b[o];
                zl[(size_t)r * n_out + o] = v;
                al[(size_t)r * n_out + o] = activate(net->acts[l], v);
            }
        }
        in = al;
    }
}

/* the loss summed over the rows (the caller divides), and d loss / d output for a mean over
 * `denominator` into grad (when grad is not NULL) */
static double loss_rows(int loss, double arg, const float *out, const float *y, const int *labels, int rows,
                        int dim, float *grad, float denominator) {
    double total = 0.0;
    for (int r = 0; r < rows; r++) {
        const float *o = out + (size_t)r * dim;
        float *g = grad ? grad + (size_t)r * dim : NULL;
        if (loss == LOSS_CROSS_ENTROPY) {
            float m = o[0];
            for (int k = 1; k < dim; k++) if (o[k] > m) m = o[k];
            double sum = 0.0;
            for (int k = 0; k < dim; k++) sum += exp((double)o[k] - m);
            double log_sum = log(sum) + m;
            int t = labels[r];
            total += log_sum - o[t];
            if (g) {
                for (int k = 0; k < dim; k++) {
                    float p = (float)exp((double)o[k] - log_sum);
                    g[k] = (p - (k == t ? 1.0f : 0.0f)) / denominator;
                }
            }
            continue;
        }
        const float *t = y + (size_t)r * dim;
        for (int k = 0; k < dim; k++) {
            float e = o[k] - t[k];
            switch (loss) {
            case LOSS_MSE:
                total += (double)e * e;
                if (g) g[k] = 2.0f * e / denominator;
                break;
            case LOSS_MAE:
                total += fabs((double)e);
                if (g) g[k] = (e > 0.0f ? 1.0f : (e < 0.0f ? -1.0f : 0.0f)) / denominator;
                break;
            case LOSS_HUBER: {
                float d = (float)arg;
                double ae = fabs((double)e);
                total += ae <= d ? 0.5 * e * e : d * (ae - 0.5 * d);
                if (g) g[k] = (e < -d ? -d : (e > d ? d : e)) / denominator;
                break;
            }
            case LOSS_HINGE: {
                float m = 1.0f - t[k] * o[k];
                total += m > 0.0f ? m : 0.0f;
                if (g) g[k] = m >= 0.0f ? -t[k] / denominator : 0.0f;
                break;
            }
            case LOSS_BCE_LOGITS: {
                double x = o[k];
                total += (x > 0 ? x : 0) - x * t[k] + log1p(exp(-fabs(x)));
                if (g) g[k] = (1.0f / (1.0f + expf(-o[k])) - t[k]) / denominator;
                break;
            }
            case LOSS_BCE_PROBS: {
                /* on a sigmoid output, as torch's binary_cross_entropy: logs clamped at -100, the
                 * gradient (p - t) / max(p (1 - p), 1e-12) before the sigmoid's own derivative */
                double lp = log((double)o[k]), lq = log(1.0 - (double)o[k]);
                total -= t[k] * (lp > -100.0 ? lp : -100.0) + (1.0 - t[k]) * (lq > -100.0 ? lq : -100.0);
                if (g) {
                    float w = (1.0f - o[k]) * o[k];
                    g[k] = (o[k] - t[k]) / (w > 1e-12f ? w : 1e-12f) / denominator;
                }
                break;
            }
            }
        }
    }
    return total;
}

static int correct_rows(int mode, double threshold, const float *out, const int *labels, int rows, int dim) {
    int correct = 0;
    for (int r = 0; r < rows; r++) {
        const float *o = out + (size_t)r * dim;
        int predicted;
        if (mode == ACC_ARGMAX) {
            predicted = 0;
            for (int k = 1; k < dim; k++) if (o[k] > o[predicted]) predicted = k;
        } else {
            predicted = o[0] > (float)threshold;
        }
        correct += predicted == labels[r];
    }
    return correct;
}

/* the mean loss and the accuracy of a whole split, in chunks of EVAL_ROWS */
static void evaluate(const Net *net, int loss, double loss_arg, int acc_mode, double threshold, const float *x,
                     const float *y, const int *labels, int n, int dim, float **z, float **a, double *out) {
    double total = 0.0;
    long correct = 0;
    int L = net->layers;
    for (int start = 0; start < n; start += EVAL_ROWS) {
        int rows = n - start < EVAL_ROWS ? n - start : EVAL_ROWS;
        forward(net, x + (size_t)start * net->sizes[0], rows, z, a);
        total += loss_rows(loss, loss_arg, a[L - 1], y ? y + (size_t)start * dim : NULL,
                           labels ? labels + start : NULL, rows, net->sizes[L], NULL, 1.0f);
        if (acc_mode != ACC_NONE) correct += correct_rows(acc_mode, threshold, a[L - 1], labels + start, rows, net->sizes[L]);
    }
    int elements = loss == LOSS_CROSS_ENTROPY ? n : n * net->sizes[L];
    out[0] = n ? total / elements : NAN;
    out[1] = acc_mode != ACC_NONE && n ? (double)correct / n : NAN;
}

static float sign(float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); }

/* one optimizer step of one parameter tensor, as torch.optim does it (single-tensor path) */
static void update(int opt, const double *args, double lr, float *p, float *g, float *s1, float *s2, float *step,
                   int n) {
    switch (opt) {
    case OPT_SGD: {
        float alpha = (float)-lr;
        for (int i = 0; i < n; i++) p[i] += alpha * g[i];
        break;
    }
    case OPT_MOMENTUM:
    case OPT_NESTEROV: {
        float m = (float)args[ARG_MOMENTUM], alpha = (float)-lr;
        for (int i = 0; i < n; i++) {
            s1[i] = s1[i] * m + g[i];
            float d = opt == OPT_NESTEROV ? g[i] + s1[i] * m : s1[i];
            p[i] += alpha * d;
        }
        break;
    }
    case OPT_ADAM:
    case OPT_ADAMW: {
        double beta1 = args[ARG_BETA1], beta2 = args[ARG_BETA2];
        float eps = (float)args[ARG_EPS];
        if (opt == OPT_ADAMW) {
            float decay = (float)(1.0 - lr * args[ARG_WEIGHT_DECAY]);
            for (int i = 0; i < n; i++) p[i] *= decay;
        }
        *step += 1.0f;
        double t = *step;
        float w1 = (float)(1.0 - beta1), b2 = (float)beta2, w2 = (float)(1.0 - beta2);
        float step_size = (float)(lr / (1.0 - pow(beta1, t)));
        float correction2 = (float)sqrt(1.0 - pow(beta2, t));
        for (int i = 0; i < n; i++) {
            s1[i] = s1[i] + w1 * (g[i] - s1[i]);
            s2[i] = s2[i] * b2 + w2 * (g[i] * g[i]);
            float denom = sqrtf(s2[i]) / correction2 + eps;
            p[i] += -step_size * (s1[i] / denom);
        }
        break;
    }
    case OPT_RMSPROP: {
        float a = (float)args[ARG_ALPHA], wa = (float)(1.0 - args[ARG_ALPHA]), eps = (float)args[ARG_EPS];
        float m = (float)args[ARG_MOMENTUM], alpha = (float)-lr;
        *step += 1.0f;
        for (int i = 0; i < n; i++) {
            s1[i] = s1[i] * a + wa * (g[i] * g[i]);
            float avg = sqrtf(s1[i]) + eps;
            if (m > 0.0f) {
                s2[i] = s2[i] * m + g[i] / avg;
                p[i] += alpha * s2[i];
            } else {
                p[i] += alpha * (g[i] / avg);
            }
        }
        break;
    }
    case OPT_ADAGRAD: {
        float eps = (float)args[ARG_EPS], alpha = (float)-lr;
        *step += 1.0f;
        for (int i = 0; i < n; i++) {
            s1[i] += g[i] * g[i];
            p[i] += alpha * (g[i] / (sqrtf(s1[i]) + eps));
        }
        break;
    }
    }
}

/* The layout of `handed`: per-parameter counts in blocks of n_params (params, good, best, state1,
 * state2, steps), then one count for each of the data buffers. */
enum { HANDED_PARAMS, HANDED_GOOD, HANDED_BEST, HANDED_STATE1, HANDED_STATE2, HANDED_STEPS, HANDED_BLOCKS };
enum { HANDED_X_TRAIN, HANDED_Y_TRAIN, HANDED_LABELS_TRAIN, HANDED_X_TEST, HANDED_Y_TEST, HANDED_LABELS_TEST,
       HANDED_ORDERS, HANDED_LRS, HANDED_RESULTS, HANDED_DATA };
#define MAX_WIDTH 65536

static int handed_sizes_fit(int layers, const int *sizes, int opt, const double *opt_args, int loss, float **state1,
                            float **state2, float **steps, const float *y_train, const int *labels_train, int n_train,
                            const float *y_test, const int *labels_test, int n_test, int target_dim, int batch,
                            int epochs, const long long *orders, const long long *handed) {
    if (layers < 1 || layers > 64 || n_train < 1 || n_test < 0 || batch < 1 || epochs < 0) return 0;
    for (int l = 0; l <= layers; l++) if (sizes[l] < 1 || sizes[l] > MAX_WIDTH) return 0;
    int n_params = 2 * layers;
    int first = opt != OPT_SGD;                      /* momentum buffer, exp_avg, square_avg or sum */
    int second = opt == OPT_ADAM || opt == OPT_ADAMW || (opt == OPT_RMSPROP && opt_args[ARG_MOMENTUM] > 0);
    int counted = opt == OPT_ADAM || opt == OPT_ADAMW || opt == OPT_RMSPROP || opt == OPT_ADAGRAD;
    if ((state1 != NULL) != first || (second && state2 == NULL) || (counted && steps == NULL)) return 0;
    for (int l = 0; l < layers; l++)
        for (int which = 0; which < 2; which++) {
            int k = 2 * l + which;
            long long count = which == 0 ? (long long)sizes[l] * sizes[l + 1] : sizes[l + 1];
            if (handed[HANDED_PARAMS * n_params + k] != count || handed[HANDED_GOOD * n_params + k] != count
                || handed[HANDED_BEST * n_params + k] != count) return 0;
            if (handed[HANDED_STATE1 * n_params + k] != (first ? count : 0)) return 0;
            if (second && handed[HANDED_STATE2 * n_params + k] != count) return 0;
            if (counted && handed[HANDED_STEPS * n_params + k] != 1) return 0;
        }
    const long long *data = handed + HANDED_BLOCKS * n_params;
    int classes = loss == LOSS_CROSS_ENTROPY;
    if (classes ? (target_dim != 1 || labels_train == NULL || labels_test == NULL) : target_dim != sizes[layers])
        return 0;
    if (!classes && (y_train == NULL || (n_test > 0 && y_test == NULL))) return 0;
    if (data[HANDED_X_TRAIN] != (long long)n_train * sizes[0] || data[HANDED_X_TEST] != (long long)n_test * sizes[0])
        return 0;
    if (y_train && data[HANDED_Y_TRAIN] != (long long)n_train * target_dim) return 0;
    if (y_test && data[HANDED_Y_TEST] != (long long)n_test * target_dim) return 0;
    if (labels_train && data[HANDED_LABELS_TRAIN] != n_train) return 0;
    if (labels_test && data[HANDED_LABELS_TEST] != n_test) return 0;
    if (orders && data[HANDED_ORDERS] != (long long)epochs * n_train) return 0;
    return data[HANDED_LRS] == epochs && data[HANDED_RESULTS] == 4LL * epochs;
}

/* labels index the output (cross-entropy, argmax accuracy), orders index the training rows */
static int indices_fit(int loss, const int *labels_train, int n_train, const int *labels_test, int n_test,
                       int out_dim, const long long *orders, int epochs) {
    int classes = loss == LOSS_CROSS_ENTROPY || out_dim > 1 ? out_dim : 2;
    for (int i = 0; labels_train && i < n_train; i++) if (labels_train[i] < 0 || labels_train[i] >= classes) return 0;
    for (int i = 0; labels_test && i < n_test; i++) if (labels_test[i] < 0 || labels_test[i] >= classes) return 0;
    for (long long i = 0; orders && i < (long long)epochs * n_train; i++)
        if (orders[i] < 0 || orders[i] >= n_train) return 0;
    return 1;
}

/* Train `epochs` epochs. `orders` (epochs × n_train row indices) may be NULL: fixed order.
 * results: per epoch train loss, train accuracy, test loss, test accuracy (NaN where none).
 * After every epoch whose losses are finite the weights are copied to `good`; an epoch with a
 * non-finite loss puts them back from there and ends the call. Returns the epochs completed
 * with finite losses (results of the failed one are still written). An epoch whose test loss is
 * below *best_loss is copied to `best`, *best_loss and *best_index (its index here) updated.
 *
 * `handed` holds the element count of every buffer the caller passes (see HANDED_* below; 0 for
 * a NULL one). Before anything is touched each is compared with what this call will read or
 * write, and so are the labels and the orders' row indices; on any mismatch nothing is done and
 * the call returns -1. The Python side checks the same first (fastpath.check_buffers), so -1
 * means a bug there, never undefined behaviour here. */
int train_epochs(int layers, const int *sizes, const int *acts, float **params, float **good, float **state1,
                 float **state2, float **steps, int opt, const double *opt_args, int loss, double loss_arg, int reg,
                 double reg_rate, double clip, const float *x_train, const float *y_train, const int *labels_train,
                 int n_train, const float *x_test, const float *y_test, const int *labels_test, int n_test,
                 int target_dim, int batch, int epochs, const long long *orders, const double *lrs, int acc_mode,
                 double threshold, double *results, float **best, double *best_loss, int *best_index,
                 const long long *handed) {
    if (!handed_sizes_fit(layers, sizes, opt, opt_args, loss, state1, state2, steps, y_train, labels_train, n_train,
                          y_test, labels_test, n_test, target_dim, batch, epochs, orders, handed))
        return -1;
    if (!indices_fit(loss, labels_train, n_train, labels_test, n_test, sizes[layers], orders, epochs))
        return -1;
    Net net = {layers, sizes, acts, params, 0};
    int n_params = 2 * layers;
    int *counts = malloc(sizeof(int) * n_params);
    size_t grad_total = 0;
    for (int l = 0; l < layers; l++) {
        if (sizes[l + 1] > net.max_width) net.max_width = sizes[l + 1];
        if (sizes[l] > net.max_width) net.max_width = sizes[l];
        counts[2 * l] = sizes[l] * sizes[l + 1];
        counts[2 * l + 1] = sizes[l + 1];
        grad_total += counts[2 * l] + counts[2 * l + 1];
    }
    int rows_max = batch > EVAL_ROWS ? batch : EVAL_ROWS;
    float **z = malloc(sizeof(float *) * layers), **a = malloc(sizeof(float *) * layers);
    for (int l = 0; l < layers; l++) {
        z[l] = malloc(sizeof(float) * (size_t)rows_max * sizes[l + 1]);
        a[l] = malloc(sizeof(float) * (size_t)rows_max * sizes[l + 1]);
    }
    float *grad_memory = malloc(sizeof(float) * grad_total);
    float **grads = malloc(sizeof(float *) * n_params);
    float *offset = grad_memory;
    for (int k = 0; k < n_params; k++) { grads[k] = offset; offset += counts[k]; }
    float *d_out = malloc(sizeof(float) * (size_t)rows_max * net.max_width);
    float *d_in = malloc(sizeof(float) * (size_t)rows_max * net.max_width);
    float *xb = malloc(sizeof(float) * (size_t)batch * sizes[0]);
    float *yb = y_train ? malloc(sizeof(float) * (size_t)batch * target_dim) : NULL;
    int *lb = labels_train ? malloc(sizeof(int) * batch) : NULL;
    int in_dim = sizes[0], out_dim = sizes[layers];
    int completed = 0;

    for (int e = 0; e < epochs; e++) {
        double lr = lrs[e];
        const long long *order = orders ? orders + (size_t)e * n_train : NULL;
        for (int start = 0; start < n_train; start += batch) {
            int rows = n_train - start < batch ? n_train - start : batch;
            const float *x = x_train + (size_t)start * in_dim;
            const float *y = y_train ? y_train + (size_t)start * target_dim : NULL;
            const int *lab = labels_train ? labels_train + start : NULL;
            if (order) {
                for (int r = 0; r < rows; r++) {
                    long long src = order[start + r];
                    memcpy(xb + (size_t)r * in_dim, x_train + (size_t)src * in_dim, sizeof(float) * in_dim);
                    if (yb) memcpy(yb + (size_t)r * target_dim, y_train + (size_t)src * target_dim,
                                   sizeof(float) * target_dim);
                    if (lb) lb[r] = labels_train[src];
                }
                x = xb; y = yb; lab = lb;
            }
            forward(&net, x, rows, z, a);
            float denominator = (float)(loss == LOSS_CROSS_ENTROPY ? rows : rows * out_dim);
            loss_rows(loss, loss_arg, a[layers - 1], y, lab, rows, out_dim, d_out, denominator);
            /* backward */
            for (int l = layers - 1; l >= 0; l--) {
                int n_in = sizes[l], n_out = sizes[l + 1];
                const float *prev = l > 0 ? a[l - 1] : x;
                float *gW = grads[2 * l], *gb = grads[2 * l + 1];
                for (int r = 0; r < rows; r++)
                    for (int o = 0; o < n_out; o++) {
                        size_t k = (size_t)r * n_out + o;
                        d_out[k] = activate_backward(acts[l], z[l][k], a[l][k], d_out[k]);
                    }
                for (int o = 0; o < n_out; o++) {
                    float sb = 0.0f;
                    for (int r = 0; r < rows; r++) sb += d_out[(size_t)r * n_out + o];
                    gb[o] = sb;
                    for (int i = 0; i < n_in; i++) {
                        float s = 0.0f;
                        for (int r = 0; r < rows; r++) s += d_out[(size_t)r * n_out + o] * prev[(size_t)r * n_in + i];
                        gW[(size_t)o * n_in + i] = s;
                    }
                }
                if (l > 0) {
                    const float *W = params[2 * l];
                    for (int r = 0; r < rows; r++)
                        for (int i = 0; i < n_in; i++) {
                            float s = 0.0f;
                            for (int o = 0; o < n_out; o++) s += d_out[(size_t)r * n_out + o] * W[(size_t)o * n_in + i];
                            d_in[(size_t)r * n_in + i] = s;
                        }
                    float *swap = d_out; d_out = d_in; d_in = swap;
                }
            }
            if (reg != REG_NONE && reg_rate > 0) {
                float rate = (float)reg_rate;
                for (int l = 0; l < layers; l++) {
                    float *w = params[2 * l], *g = grads[2 * l];
                    for (int i = 0; i < counts[2 * l]; i++) g[i] += rate * (reg == REG_L2 ? w[i] : sign(w[i]));
                }
            }
            if (clip > 0) {
                double total = 0.0;
                for (int k = 0; k < n_params; k++) {
                    double s = 0.0;
                    for (int i = 0; i < counts[k]; i++) s += (double)grads[k][i] * grads[k][i];
                    float norm = (float)sqrt(s);
                    total += (double)norm * norm;
                }
                float coefficient = (float)(clip / ((float)sqrt(total) + 1e-6));
                if (coefficient > 1.0f) coefficient = 1.0f;
                for (int k = 0; k < n_params; k++)
                    for (int i = 0; i < counts[k]; i++) grads[k][i] *= coefficient;
            }
            for (int k = 0; k < n_params; k++)
                update(opt, opt_args, lr, params[k], grads[k], state1 ? state1[k] : NULL, state2 ? state2[k] : NULL,
                       steps ? steps[k] : NULL, counts[k]);
        }
        double *res = results + (size_t)e * 4;
        evaluate(&net, loss, loss_arg, acc_mode, threshold, x_train, y_train, labels_train, n_train, target_dim, z, a,
                 res);
        evaluate(&net, loss, loss_arg, acc_mode, threshold, x_test, y_test, labels_test, n_test, target_dim, z, a,
                 res + 2);
        if (!isfinite(res[0]) || (n_test > 0 && !isfinite(res[2]))) {
            for (int k = 0; k < n_params; k++) memcpy(params[k], good[k], sizeof(float) * counts[k]);
            break;
        }
        for (int k = 0; k < n_params; k++) memcpy(good[k], params[k], sizeof(float) * counts[k]);
        if (n_test > 0 && res[2] < *best_loss) {
            *best_loss = res[2];
            *best_index = e;
            for (int k = 0; k < n_params; k++) memcpy(best[k], params[k], sizeof(float) * counts[k]);
        }
        completed++;
    }

    for (int l = 0; l < layers; l++) { free(z[l]); free(a[l]); }
    free(z); free(a); free(grad_memory); free(grads); free(d_out); free(d_in); free(xb); free(yb); free(lb);
    free(counts);
    return completed;
}
