// Debian's OpenSSL 3 (libssl-dev), with static inline wrappers for what Swift can't call: the
// macros (SSL_CTX_set_mode, SSL_CTX_set_options' friends, DH auto), the error queue as text,
// and SSL_get_error folded into a few outcomes the reactor acts on.
#ifndef APUS_CTLS_SHIM_H
#define APUS_CTLS_SHIM_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/decoder.h>

/// What an SSL call came to: bytes moved (> 0), or one of these.
#define APUS_TLS_WANT_READ (-1)
#define APUS_TLS_WANT_WRITE (-2)
#define APUS_TLS_CLOSED (-3)
#define APUS_TLS_FAILED (-4)

static inline void apus_tls_init(void) {
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
}

/// The oldest queued error as OpenSSL's text (ERR_error_string_n), "" when none; clears the queue.
static inline void apus_tls_error_text(char *buffer, size_t size) {
    unsigned long code = ERR_get_error();
    if (code == 0) { if (size) buffer[0] = 0; }
    else ERR_error_string_n(code, buffer, size);
    ERR_clear_error();
}

static inline void apus_tls_clear_errors(void) { ERR_clear_error(); }

static int apus_tls_password_cb(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    const char *pass = (const char *)u;
    if (!pass) return -1;
    size_t len = strlen(pass);
    if (len > (size_t)size) return -1;
    memcpy(buf, pass, len);
    return (int)len;
}

/// createSSLContext's common part. protocols: bit 0 TLSv1, 1 TLSv1.1, 2 TLSv1.2, 3 TLSv1.3.
static inline SSL_CTX *apus_tls_ctx_new(int protocols) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (!ctx) return NULL;
    long options = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION;
#ifdef SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS
    options |= SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS;
#endif
    if (!(protocols & 1)) options |= SSL_OP_NO_TLSv1;
    if (!(protocols & 2)) options |= SSL_OP_NO_TLSv1_1;
    if (!(protocols & 4)) options |= SSL_OP_NO_TLSv1_2;
    if (!(protocols & 8)) options |= SSL_OP_NO_TLSv1_3;
    SSL_CTX_set_options(ctx, options);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return ctx;
}

/// `pass` must outlive the context (OpenSSL keeps the pointer).
static inline void apus_tls_ctx_set_password(SSL_CTX *ctx, const char *pass) {
    SSL_CTX_set_default_passwd_cb(ctx, apus_tls_password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)pass);
}

/// The server side's extras (tlsConfigure): session cache, no client renegotiation, cipher
/// preference, single DH use.
static inline void apus_tls_ctx_server_options(SSL_CTX *ctx, int caching, long cacheSize, long timeout, int preferServer) {
    if (caching) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx, cacheSize);
        SSL_CTX_set_timeout(ctx, timeout);
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"redis", 5);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    long options = SSL_OP_SINGLE_DH_USE;
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
    options |= SSL_OP_NO_CLIENT_RENEGOTIATION;
#endif
    if (preferServer) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
    SSL_CTX_set_options(ctx, options);
}

static inline void apus_tls_ctx_dh_auto(SSL_CTX *ctx) { SSL_CTX_set_dh_auto(ctx, 1); }

/// Loads DH parameters from a PEM file. 0 ok, -1 (errno) the file can't be opened, -2 not DH
/// parameters, -3 OpenSSL refused them (error queue).
static inline int apus_tls_ctx_load_dh(SSL_CTX *ctx, const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) return -1;
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, "DH",
                                                           OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS, NULL, NULL);
    if (!dctx) { fclose(file); return -2; }
    int decoded = OSSL_DECODER_from_fp(dctx, file);
    OSSL_DECODER_CTX_free(dctx);
    fclose(file);
    if (!decoded) return -2;
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, pkey) <= 0) { EVP_PKEY_free(pkey); return -3; }
    return 0;
}

/// The verify mode for an accepted connection (tls-auth-clients): 0 no, 1 yes, 2 optional.
static inline void apus_tls_set_client_auth(SSL *ssl, int mode) {
    if (mode == 0) SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    else if (mode == 2) SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
}

/// SSL_get_error folded: WANT_READ / WANT_WRITE / CLOSED (a clean close_notify or EOF) / FAILED.
static inline int apus_tls_outcome(SSL *ssl, int ret, int *sysErrno) {
    int error = SSL_get_error(ssl, ret);
    *sysErrno = 0;
    switch (error) {
    case SSL_ERROR_WANT_READ: return APUS_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return APUS_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return APUS_TLS_CLOSED;
    case SSL_ERROR_SYSCALL:
        *sysErrno = errno;
        if (errno == EAGAIN) return APUS_TLS_WANT_READ;
        return errno == 0 ? APUS_TLS_CLOSED : APUS_TLS_FAILED;
    default: return APUS_TLS_FAILED;
    }
}

static inline int apus_tls_read(SSL *ssl, void *buffer, int count, int *sysErrno) {
    ERR_clear_error();
    int n = SSL_read(ssl, buffer, count);
    return n > 0 ? n : apus_tls_outcome(ssl, n, sysErrno);
}

static inline int apus_tls_write(SSL *ssl, const void *buffer, int count, int *sysErrno) {
    ERR_clear_error();
    int n = SSL_write(ssl, buffer, count);
    return n > 0 ? n : apus_tls_outcome(ssl, n, sysErrno);
}

/// 1 done, or a WANT_/FAILED/CLOSED outcome.
static inline int apus_tls_handshake(SSL *ssl, int *sysErrno) {
    ERR_clear_error();
    int n = SSL_do_handshake(ssl);
    return n == 1 ? 1 : apus_tls_outcome(ssl, n, sysErrno);
}

static inline void apus_tls_set_sni(SSL *ssl, const char *host) { SSL_set_tlsext_host_name(ssl, host); }

#endif
