/* Lexer for the Click configuration language.
 * Tokens point into the source text; positions are 1-based line/column. */
#ifndef CLICK_LEXER_H
#define CLICK_LEXER_H

#include <stddef.h>

enum click_tok {
    CT_EOF, CT_ERROR, CT_WORD, CT_VAR, CT_COLON2, CT_ARROW, CT_LBRACK, CT_RBRACK,
    CT_LPAREN, CT_RPAREN, CT_COMMA, CT_SEMI, CT_LBRACE, CT_RBRACE, CT_BAR,
    CT_ELLIPSIS, CT_OTHER
};

typedef struct click_token {
    enum click_tok type;
    const char *s;
    size_t n;
    int line, col;
} click_token;

typedef struct click_lexer {
    const char *src;
    size_t len, pos;
    int line, col;
    const char *error; /* set when a CT_ERROR token is returned */
    int err_line, err_col;
} click_lexer;

void click_lexer_init(click_lexer *lx, const char *src, size_t len);
click_token click_lexer_next(click_lexer *lx);
click_token click_lexer_peek(click_lexer *lx);
/* After a '(' token: read the raw configuration text up to the matching ')'
 * (which is consumed), with comments replaced by spaces. Returns a malloc'd
 * string or NULL with lx->error set (unterminated). */
char *click_lexer_config(click_lexer *lx);
const char *click_tok_name(enum click_tok t);

#endif
