/*
 * cicu.h - the project's only door into ICU.
 *
 * This header deliberately exposes NO ICU types: only <stdint.h>/<stddef.h> types,
 * opaque handle types and plain int codes. Importing ICU's own headers into Swift on
 * Linux clashes with the ICU copy that Foundation carries, and ICU renames every
 * symbol with a version suffix (ucnv_open_72, ...), so only shim.c includes
 * <unicode/...>.
 *
 * Conventions for every function that produces text:
 *   - input is UTF-8 (pointer + byte length; the pointer may be NULL when the length is 0),
 *   - output is UTF-8 written into the caller's buffer (dest, destCapacity); the output is
 *     NOT NUL-terminated,
 *   - the return value is the full output length in bytes; when it exceeds destCapacity
 *     the buffer holds a truncated prefix and the caller should retry with a buffer of
 *     at least that size (dest may be NULL when destCapacity is 0, for preflighting),
 *   - a negative return value is one of the BEC_ICU_ERR_* codes below.
 */
#ifndef BEC_CICU_H
#define BEC_CICU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (always negative). */
#define BEC_ICU_ERR_ARGUMENT   (-1)  /* NULL handle/pointer, negative length, oversized input */
#define BEC_ICU_ERR_CHARSET    (-2)  /* charset name rejected or unknown to ICU */
#define BEC_ICU_ERR_ICU        (-3)  /* ICU reported a failure (e.g. invalid UTF-8 input) */
#define BEC_ICU_ERR_INVALID    (-4)  /* IDNA: the name is not valid under UTS #46 */

/* Longest charset name accepted; longer names are rejected without calling ICU. */
#define BEC_ICU_MAX_CHARSET_NAME 64

/* Opaque handles. */
typedef struct bec_icu_spoof bec_icu_spoof;
typedef struct bec_icu_idna bec_icu_idna;

/* ---- Charset conversion -------------------------------------------------------------- */

/*
 * Converts srcLength bytes in the charset `charset` (charsetLength bytes, need not be
 * NUL-terminated) to UTF-8. Invalid or unmappable input becomes U+FFFD; conversion never
 * stops at such errors. A charset name that is empty, longer than
 * BEC_ICU_MAX_CHARSET_NAME, contains bytes outside printable ASCII or a path separator,
 * or that ICU does not know, yields BEC_ICU_ERR_CHARSET. Thread-safe (a converter is
 * opened per call).
 */
int32_t bec_icu_decode(const char *charset, size_t charsetLength,
                       const uint8_t *src, int32_t srcLength,
                       uint8_t *dest, int32_t destCapacity);

/* ---- UTS #39 spoof checking ------------------------------------------------------------ */

/*
 * Opens a spoof checker (confusable, restriction-level and mixed-number checks; the
 * checker's own restriction level is "unrestricted" so results report the real level).
 * Returns NULL on failure; *icuStatus (if not NULL) receives the ICU status code.
 * After creation the handle is read-only and may be shared by any number of threads.
 */
bec_icu_spoof *bec_icu_spoof_create(int32_t *icuStatus);
void bec_icu_spoof_destroy(bec_icu_spoof *checker);

/* UTS #39 confusable skeleton of the UTF-8 text. Thread-safe. */
int32_t bec_icu_spoof_skeleton(const bec_icu_spoof *checker,
                               const uint8_t *text, int32_t textLength,
                               uint8_t *dest, int32_t destCapacity);

/*
 * UTS #39 restriction level of the UTF-8 text: 1 ascii-only, 2 single-script,
 * 3 highly restrictive, 4 moderately restrictive, 5 minimally restrictive,
 * 6 unrestricted; negative on error. Thread-safe.
 */
int32_t bec_icu_spoof_restriction_level(const bec_icu_spoof *checker,
                                        const uint8_t *text, int32_t textLength);

/* ---- Scripts ----------------------------------------------------------------------- */

/*
 * Distinct Unicode Script property values of the code points of the UTF-8 text, excluding
 * Common, Inherited and Unknown, as ISO 15924 short names ("Latn", "Cyrl", ...) joined by
 * ',' in order of first appearance. Ill-formed UTF-8 sequences are skipped. Thread-safe.
 */
int32_t bec_icu_scripts(const uint8_t *text, int32_t textLength,
                        uint8_t *dest, int32_t destCapacity);

/* ---- IDNA (UTS #46) ---------------------------------------------------------------- */

/*
 * Opens a UTS #46 processor (nontransitional ToASCII and ToUnicode, STD3 rules, BiDi,
 * CONTEXTJ and CONTEXTO checks). Returns NULL on failure; *icuStatus (if not NULL)
 * receives the ICU status code. The handle is immutable and may be shared by threads.
 */
bec_icu_idna *bec_icu_idna_create(int32_t *icuStatus);
void bec_icu_idna_destroy(bec_icu_idna *idna);

/* UTS #46 ToASCII of a UTF-8 domain name; BEC_ICU_ERR_INVALID when any IDNA error is set. */
int32_t bec_icu_idna_to_ascii(const bec_icu_idna *idna,
                              const uint8_t *name, int32_t nameLength,
                              uint8_t *dest, int32_t destCapacity);

/* UTS #46 ToUnicode of a UTF-8 domain name; BEC_ICU_ERR_INVALID when any IDNA error is set. */
int32_t bec_icu_idna_to_unicode(const bec_icu_idna *idna,
                                const uint8_t *name, int32_t nameLength,
                                uint8_t *dest, int32_t destCapacity);

#ifdef __cplusplus
}
#endif

#endif /* BEC_CICU_H */
