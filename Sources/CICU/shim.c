/*
 * shim.c - implementation of cicu.h. The only file in the project that includes ICU headers.
 */
#include "cicu.h"

#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/uidna.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

/* Shared argument check for (pointer, length) input and (pointer, capacity) output pairs. */
static int bec_bad_buffers(const void *src, int32_t srcLength, const void *dest, int32_t destCapacity) {
    if (srcLength < 0 || destCapacity < 0) return 1;
    if (src == NULL && srcLength > 0) return 1;
    if (dest == NULL && destCapacity > 0) return 1;
    return 0;
}

/* Maps an ICU result (length + status) onto the cicu.h return convention. */
static int32_t bec_result(int32_t length, UErrorCode status) {
    /* U_STRING_NOT_TERMINATED_WARNING is fine: our outputs are never NUL-terminated. */
    if (status == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(status)) return length;
    return BEC_ICU_ERR_ICU;
}

/* ---- Charset conversion -------------------------------------------------------------- */

/* To-Unicode callback: every unassigned, illegal or irregular sequence becomes one U+FFFD.
 * (ICU's default substitute callback would emit U+001A for converters whose substitution
 * character is 0x1A, and the STOP callback would abort the conversion.) */
static void U_CALLCONV bec_to_u_fffd(const void *context, UConverterToUnicodeArgs *args,
                                     const char *codeUnits, int32_t length,
                                     UConverterCallbackReason reason, UErrorCode *err) {
    (void)context; (void)codeUnits; (void)length;
    if (reason <= UCNV_IRREGULAR) {
        static const UChar replacement = 0xFFFD;
        *err = U_ZERO_ERROR;
        ucnv_cbToUWriteUChars(args, &replacement, 1, 0, err);
    }
}

/* Copies a validated charset name into `out` (NUL-terminated). Returns 0 when rejected. */
static int bec_copy_charset_name(const char *name, size_t length, char out[BEC_ICU_MAX_CHARSET_NAME + 1]) {
    if (name == NULL || length == 0 || length > BEC_ICU_MAX_CHARSET_NAME) return 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)name[i];
        /* Printable ASCII only; no path separators (ICU can load converters from files). */
        if (c < 0x20 || c > 0x7E || c == '/' || c == '\\') return 0;
        out[i] = (char)c;
    }
    out[length] = '\0';
    return 1;
}

int32_t bec_icu_decode(const char *charset, size_t charsetLength,
                       const uint8_t *src, int32_t srcLength,
                       uint8_t *dest, int32_t destCapacity) {
    char name[BEC_ICU_MAX_CHARSET_NAME + 1];
    if (!bec_copy_charset_name(charset, charsetLength, name)) return BEC_ICU_ERR_CHARSET;
    if (bec_bad_buffers(src, srcLength, dest, destCapacity)) return BEC_ICU_ERR_ARGUMENT;

    UErrorCode status = U_ZERO_ERROR;
    UConverter *from = ucnv_open(name, &status);
    if (from == NULL || U_FAILURE(status)) {
        if (from != NULL) ucnv_close(from);
        return BEC_ICU_ERR_CHARSET;
    }
    /* U_AMBIGUOUS_ALIAS_WARNING etc. are fine; the name resolved to a converter. */
    status = U_ZERO_ERROR;
    if (srcLength == 0) {
        ucnv_close(from);
        return 0;
    }
    ucnv_setToUCallBack(from, bec_to_u_fffd, NULL, NULL, NULL, &status);
    UConverter *to = ucnv_open("UTF-8", &status);
    if (to == NULL || U_FAILURE(status)) {
        ucnv_close(from);
        if (to != NULL) ucnv_close(to);
        return BEC_ICU_ERR_ICU;
    }

    /* Stream through a pivot buffer, writing into dest while it has room and then into a
     * scratch buffer only to count the remaining output (the pattern ucnv_convert uses). */
    UChar pivot[1024];
    UChar *pivotSource = pivot, *pivotTarget = pivot;
    char scratch[1024];
    const char *source = (const char *)src;
    const char *sourceLimit = source + srcLength;
    char *outStart = destCapacity > 0 ? (char *)dest : scratch;
    char *outLimit = destCapacity > 0 ? (char *)dest + destCapacity : scratch + sizeof scratch;
    int countingOnly = destCapacity == 0;
    int64_t total = 0;
    UBool reset = true;
    for (;;) {
        char *target = outStart;
        status = U_ZERO_ERROR;
        ucnv_convertEx(to, from, &target, outLimit, &source, sourceLimit,
                       pivot, &pivotSource, &pivotTarget, pivot + 1024,
                       reset, true, &status);
        reset = false;
        total += target - outStart;
        if (total > INT32_MAX) { status = U_INDEX_OUTOFBOUNDS_ERROR; break; }
        if (status != U_BUFFER_OVERFLOW_ERROR) break;
        /* dest is full: keep converting into scratch just to measure. */
        if (!countingOnly) {
            countingOnly = 1;
            outStart = scratch;
            outLimit = scratch + sizeof scratch;
        }
    }
    ucnv_close(to);
    ucnv_close(from);
    if (U_FAILURE(status)) return BEC_ICU_ERR_ICU;
    return (int32_t)total;
}

/* ---- UTS #39 spoof checking ------------------------------------------------------------ */

bec_icu_spoof *bec_icu_spoof_create(int32_t *icuStatus) {
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&status);
    if (U_SUCCESS(status)) {
        uspoof_setChecks(sc, USPOOF_CONFUSABLE | USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE
                         | USPOOF_MIXED_NUMBERS | USPOOF_AUX_INFO, &status);
    }
    if (U_SUCCESS(status)) {
        uspoof_setRestrictionLevel(sc, USPOOF_UNRESTRICTIVE);
    }
    if (icuStatus != NULL) *icuStatus = (int32_t)status;
    if (U_FAILURE(status)) {
        if (sc != NULL) uspoof_close(sc);
        return NULL;
    }
    return (bec_icu_spoof *)sc;
}

void bec_icu_spoof_destroy(bec_icu_spoof *checker) {
    if (checker != NULL) uspoof_close((USpoofChecker *)checker);
}

int32_t bec_icu_spoof_skeleton(const bec_icu_spoof *checker,
                               const uint8_t *text, int32_t textLength,
                               uint8_t *dest, int32_t destCapacity) {
    if (checker == NULL || bec_bad_buffers(text, textLength, dest, destCapacity)) return BEC_ICU_ERR_ARGUMENT;
    if (textLength == 0) return 0;
    UErrorCode status = U_ZERO_ERROR;
    int32_t length = uspoof_getSkeletonUTF8((const USpoofChecker *)checker, 0,
                                            (const char *)text, textLength,
                                            (char *)dest, destCapacity, &status);
    return bec_result(length, status);
}

int32_t bec_icu_spoof_restriction_level(const bec_icu_spoof *checker,
                                        const uint8_t *text, int32_t textLength) {
    if (checker == NULL || bec_bad_buffers(text, textLength, NULL, 0)) return BEC_ICU_ERR_ARGUMENT;
    if (textLength == 0) return 1; /* the empty string is trivially ASCII-only */
    UErrorCode status = U_ZERO_ERROR;
    USpoofCheckResult *result = uspoof_openCheckResult(&status); /* per call: not shareable */
    if (U_FAILURE(status)) {
        if (result != NULL) uspoof_closeCheckResult(result);
        return BEC_ICU_ERR_ICU;
    }
    uspoof_check2UTF8((const USpoofChecker *)checker, (const char *)text, textLength, result, &status);
    URestrictionLevel level = uspoof_getCheckResultRestrictionLevel(result, &status);
    uspoof_closeCheckResult(result);
    if (U_FAILURE(status)) return BEC_ICU_ERR_ICU;
    switch (level) {
    case USPOOF_ASCII: return 1;
    case USPOOF_SINGLE_SCRIPT_RESTRICTIVE: return 2;
    case USPOOF_HIGHLY_RESTRICTIVE: return 3;
    case USPOOF_MODERATELY_RESTRICTIVE: return 4;
    case USPOOF_MINIMALLY_RESTRICTIVE: return 5;
    case USPOOF_UNRESTRICTIVE: return 6;
    default: return BEC_ICU_ERR_ICU;
    }
}

/* ---- Scripts ----------------------------------------------------------------------- */

int32_t bec_icu_scripts(const uint8_t *text, int32_t textLength,
                        uint8_t *dest, int32_t destCapacity) {
    if (bec_bad_buffers(text, textLength, dest, destCapacity)) return BEC_ICU_ERR_ARGUMENT;
    enum { SEEN_BITS = 1024 };
    uint8_t seen[SEEN_BITS / 8];
    memset(seen, 0, sizeof seen);
    int32_t total = 0;
    int32_t i = 0;
    while (i < textLength) {
        UChar32 c;
        U8_NEXT(text, i, textLength, c);
        if (c < 0) continue; /* ill-formed sequence */
        UErrorCode status = U_ZERO_ERROR;
        UScriptCode script = uscript_getScript(c, &status);
        if (U_FAILURE(status) || script == USCRIPT_COMMON || script == USCRIPT_INHERITED
            || script == USCRIPT_UNKNOWN || script < 0 || script >= SEEN_BITS) continue;
        if (seen[script / 8] & (1u << (script % 8))) continue;
        seen[script / 8] |= (uint8_t)(1u << (script % 8));
        const char *code = uscript_getShortName(script);
        if (code == NULL) continue;
        size_t codeLength = strlen(code);
        int32_t needed = (int32_t)codeLength + (total > 0 ? 1 : 0);
        if (total > 0 && total < destCapacity) dest[total] = ',';
        int32_t at = total + (total > 0 ? 1 : 0);
        for (size_t k = 0; k < codeLength; k++) {
            if (at + (int32_t)k < destCapacity) dest[at + (int32_t)k] = (uint8_t)code[k];
        }
        total += needed;
    }
    return total;
}

/* ---- IDNA (UTS #46) ---------------------------------------------------------------- */

bec_icu_idna *bec_icu_idna_create(int32_t *icuStatus) {
    UErrorCode status = U_ZERO_ERROR;
    UIDNA *idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE
                                  | UIDNA_USE_STD3_RULES | UIDNA_CHECK_BIDI
                                  | UIDNA_CHECK_CONTEXTJ | UIDNA_CHECK_CONTEXTO, &status);
    if (icuStatus != NULL) *icuStatus = (int32_t)status;
    if (U_FAILURE(status)) {
        if (idna != NULL) uidna_close(idna);
        return NULL;
    }
    return (bec_icu_idna *)idna;
}

void bec_icu_idna_destroy(bec_icu_idna *idna) {
    if (idna != NULL) uidna_close((UIDNA *)idna);
}

static int32_t bec_idna(const bec_icu_idna *idna, int toASCII,
                        const uint8_t *name, int32_t nameLength,
                        uint8_t *dest, int32_t destCapacity) {
    if (idna == NULL || bec_bad_buffers(name, nameLength, dest, destCapacity)) return BEC_ICU_ERR_ARGUMENT;
    if (nameLength == 0) return BEC_ICU_ERR_INVALID;
    UErrorCode status = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    int32_t length = toASCII
        ? uidna_nameToASCII_UTF8((const UIDNA *)idna, (const char *)name, nameLength,
                                 (char *)dest, destCapacity, &info, &status)
        : uidna_nameToUnicodeUTF8((const UIDNA *)idna, (const char *)name, nameLength,
                                  (char *)dest, destCapacity, &info, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return BEC_ICU_ERR_ICU;
    if (info.errors != 0) return BEC_ICU_ERR_INVALID;
    return length;
}

int32_t bec_icu_idna_to_ascii(const bec_icu_idna *idna,
                              const uint8_t *name, int32_t nameLength,
                              uint8_t *dest, int32_t destCapacity) {
    return bec_idna(idna, 1, name, nameLength, dest, destCapacity);
}

int32_t bec_icu_idna_to_unicode(const bec_icu_idna *idna,
                                const uint8_t *name, int32_t nameLength,
                                uint8_t *dest, int32_t destCapacity) {
    return bec_idna(idna, 0, name, nameLength, dest, destCapacity);
}
