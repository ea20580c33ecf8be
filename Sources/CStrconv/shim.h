// Number <-> text conversions that must match Redis's output digit for digit, so they use the
// same libc routines Redis uses (strtold, snprintf with %.17g / %.17Lf). Inputs are not
// NUL-terminated, so each wrapper copies into a bounded stack buffer first.
//
// Long doubles (INCRBYFLOAT, HINCRBYFLOAT, blocking timeouts) never cross into Swift as a
// floating-point type: C's `long double` is 80-bit x87 on x86_64 but IEEE
// binary128 on aarch64 Linux, which Swift has no type for. Swift holds them as opaque 16-byte
// `apus_ld` values and every operation on them (parse, add, compare, format) happens here with
// the platform's `long double`, exactly as in Redis on that platform.
#ifndef APUS_CSTRCONV_SHIM_H
#define APUS_CSTRCONV_SHIM_H

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// An opaque long double: the bytes of a C `long double` (16 bytes on x86_64 and aarch64 Linux).
typedef struct { unsigned char bytes[16]; } apus_ld;
_Static_assert(sizeof(long double) <= sizeof(apus_ld), "long double does not fit in apus_ld");

// Loading and storing are macros, so no function here takes or returns a `long double` and
// nothing of that type is imported into Swift (on aarch64 Swift has no type for it).
#define APUS_LD(v) ({ long double apus_ld_x_; memcpy(&apus_ld_x_, (v).bytes, sizeof(apus_ld_x_)); apus_ld_x_; })
#define APUS_LD_SET(out, x) do { long double apus_ld_y_ = (x); memset((out)->bytes, 0, sizeof((out)->bytes)); \
    memcpy((out)->bytes, &apus_ld_y_, sizeof(apus_ld_y_)); } while (0)

static inline apus_ld apus_ld_from_int64(long long i) { apus_ld v; APUS_LD_SET(&v, (long double)i); return v; }
static inline apus_ld apus_ld_from_double(double d) { apus_ld v; APUS_LD_SET(&v, (long double)d); return v; }
static inline double apus_ld_to_double(apus_ld v) { return (double)APUS_LD(v); }
static inline apus_ld apus_ld_add(apus_ld a, apus_ld b) { apus_ld v; APUS_LD_SET(&v, APUS_LD(a) + APUS_LD(b)); return v; }
static inline int apus_ld_equal(apus_ld a, apus_ld b) { return APUS_LD(a) == APUS_LD(b); }
static inline int apus_ld_is_nan(apus_ld v) { return isnan(APUS_LD(v)) != 0; }
static inline int apus_ld_is_inf(apus_ld v) { return isinf(APUS_LD(v)) != 0; }

/// Redis's string2ld: the whole buffer must be a long double, no spaces, not NaN. Returns 1 on success.
static inline int apus_ld_parse(const char *s, size_t len, apus_ld *out) {
    char buf[5 * 1024 + 1];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (isspace((unsigned char)buf[0])) return 0;
    char *eptr;
    errno = 0;
    long double v = strtold(buf, &eptr);
    if ((size_t)(eptr - buf) != len || errno == ERANGE || isnan(v)) return 0;
    APUS_LD_SET(out, v);
    return 1;
}

/// Redis's ld2string in LD_STR_HUMAN mode (INCRBYFLOAT): "%.17Lf" with trailing zeros and dot
/// removed; returns the length, 0 on failure (inf/nan).
static inline int apus_ld_to_human(apus_ld value, char *buf, size_t size) {
    long double v = APUS_LD(value);
    if (isinf(v) || isnan(v)) return 0;
    int len = snprintf(buf, size, "%.17Lf", v);
    if (len <= 0 || (size_t)len >= size) return 0;
    if (strchr(buf, '.') != NULL) {
        char *p = buf + len - 1;
        while (*p == '0') { p--; len--; }
        if (*p == '.') len--;
    }
    if (len == 2 && buf[0] == '-' && buf[1] == '0') { buf[0] = '0'; len = 1; }
    buf[len] = 0;
    return len;
}

/// getTimeoutFromObjectOrReply's `(long long)(ftval * 1000.0)` for a timeout in seconds. The
/// product is computed in long double; a value C cannot convert (out of range, inf) yields
/// LLONG_MIN, which is what the x86_64 conversion Redis is built with produces, so such
/// timeouts are "negative" there as in Redis (and identically on every platform here).
static inline long long apus_ld_seconds_to_milliseconds(apus_ld seconds) {
    long double product = APUS_LD(seconds) * 1000.0L;
    if (isfinite(product) && product < 9223372036854775808.0L && product >= -9223372036854775808.0L)
        return (long long)product;
    return (-9223372036854775807LL - 1);
}


/// Redis's string2d / getDoubleFromObject: strtod over the whole buffer, no leading space, not NaN.
static inline int apus_string_to_double(const char *s, size_t len, double *out) {
    char buf[5 * 1024 + 1];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (isspace((unsigned char)buf[0])) return 0;
    char *eptr;
    errno = 0;
    double v = strtod(buf, &eptr);
    if ((size_t)(eptr - buf) != len || (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) || isnan(v)) return 0;
    *out = v;
    return 1;
}

/// "%.17g" as Redis 7.0's addReplyDouble uses; inf and -inf spelled as Redis spells them.
static inline int apus_double_to_g17(double v, char *buf, size_t size) {
    if (isinf(v)) return snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    return snprintf(buf, size, "%.17g", v);
}

/// "%.*f" for fixed-point figures in INFO (e.g. used_cpu_sys:0.123456).
static inline int apus_format_fixed(double v, int digits, char *buf, size_t size) {
    return snprintf(buf, size, "%.*f", digits, v);
}

#endif
