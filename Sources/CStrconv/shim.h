// Number <-> text conversions that must match Redis's output digit for digit, so they use the
// same libc routines Redis uses (strtold, snprintf with %.17g / %.17Lf). Inputs are not
// NUL-terminated, so each wrapper copies into a bounded stack buffer first.
#ifndef APUS_CSTRCONV_SHIM_H
#define APUS_CSTRCONV_SHIM_H

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Redis's string2ld: the whole buffer must be a long double, no spaces, not NaN. Returns 1 on success.
static inline int apus_string_to_long_double(const char *s, size_t len, long double *out) {
    char buf[5 * 1024 + 1];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (isspace((unsigned char)buf[0])) return 0;
    char *eptr;
    errno = 0;
    long double v = strtold(buf, &eptr);
    if ((size_t)(eptr - buf) != len || errno == ERANGE || isnan(v)) return 0;
    *out = v;
    return 1;
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

/// Redis's ld2string in LD_STR_HUMAN mode (INCRBYFLOAT): "%.17Lf" with trailing zeros and dot
/// removed; returns the length, 0 on failure (inf/nan).
static inline int apus_long_double_to_human(long double v, char *buf, size_t size) {
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
