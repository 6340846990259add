/* What the JSON parser (json.c) and writer (json_write.c) share. Private
 * to libsteer. */
#ifndef STEER_JSON_INT_H
#define STEER_JSON_INT_H

/* Length of the well-formed UTF-8 sequence at P (< END), or 0 (RFC 3629
 * section 4: no overlong forms, no surrogates, nothing above U+10FFFF). */
unsigned json_utf8_len(const unsigned char *p, const unsigned char *end);

#endif
