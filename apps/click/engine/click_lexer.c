/* Lexer for the Click configuration language (see click_lexer.h). */
#include "click_lexer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void click_lexer_init(click_lexer *lx, const char *src, size_t len) {
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->col = 1;
    lx->error = NULL;
}

static int cur(const click_lexer *lx, size_t ahead) {
    return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

static void adv(click_lexer *lx) {
    if (lx->pos >= lx->len) return;
    if (lx->src[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos++;
}

/* Skip whitespace and comments. Returns -1 on an unterminated comment. */
static int skip_space(click_lexer *lx) {
    for (;;) {
        int c = cur(lx, 0);
        if (c == -1) return 0;
        if (isspace(c) || c == 0) {
            adv(lx);
        } else if (c == '/' && cur(lx, 1) == '/') {
            while (cur(lx, 0) != -1 && cur(lx, 0) != '\n') adv(lx);
        } else if (c == '/' && cur(lx, 1) == '*') {
            int line = lx->line, col = lx->col;
            adv(lx);
            adv(lx);
            while (!(cur(lx, 0) == '*' && cur(lx, 1) == '/')) {
                if (cur(lx, 0) == -1) {
                    lx->err_line = line;
                    lx->err_col = col;
                    return -1;
                }
                adv(lx);
            }
            adv(lx);
            adv(lx);
        } else if (c == '#' && lx->col == 1) {
            /* #line-style directives from preprocessors: ignored. */
            while (cur(lx, 0) != -1 && cur(lx, 0) != '\n') adv(lx);
        } else {
            return 0;
        }
    }
}

static int is_word_char(click_lexer *lx) {
    int c = cur(lx, 0);
    if (c == -1) return 0;
    if (isalnum(c) || c == '_' || c == '@' || c == '.') return 1;
    /* '/' joins name parts (compound-expanded names) unless it starts a comment. */
    if (c == '/' && cur(lx, 1) != '/' && cur(lx, 1) != '*' && lx->pos > 0) return 1;
    return 0;
}

click_token click_lexer_next(click_lexer *lx) {
    click_token t = {CT_EOF, NULL, 0, 0, 0};
    if (skip_space(lx) < 0) {
        t.type = CT_ERROR;
        t.line = lx->err_line;
        t.col = lx->err_col;
        lx->error = "unterminated comment";
        return t;
    }
    t.line = lx->line;
    t.col = lx->col;
    t.s = lx->src + lx->pos;
    int c = cur(lx, 0);
    if (c == -1) return t;
    if (isalnum(c) || c == '_' || c == '@') {
        while (is_word_char(lx)) adv(lx);
        t.type = CT_WORD;
    } else if (c == '$') {
        adv(lx);
        if (cur(lx, 0) == '{') {
            adv(lx);
            while (cur(lx, 0) != -1 && cur(lx, 0) != '}' && cur(lx, 0) != '\n') adv(lx);
            if (cur(lx, 0) == '}') adv(lx);
        } else {
            while (cur(lx, 0) != -1 && (isalnum(cur(lx, 0)) || cur(lx, 0) == '_')) adv(lx);
        }
        t.type = CT_VAR;
    } else if (c == ':' && cur(lx, 1) == ':') {
        adv(lx); adv(lx);
        t.type = CT_COLON2;
    } else if (c == '-' && cur(lx, 1) == '>') {
        adv(lx); adv(lx);
        t.type = CT_ARROW;
    } else if (c == '.' && cur(lx, 1) == '.' && cur(lx, 2) == '.') {
        adv(lx); adv(lx); adv(lx);
        t.type = CT_ELLIPSIS;
    } else {
        adv(lx);
        switch (c) {
        case '[': t.type = CT_LBRACK; break;
        case ']': t.type = CT_RBRACK; break;
        case '(': t.type = CT_LPAREN; break;
        case ')': t.type = CT_RPAREN; break;
        case ',': t.type = CT_COMMA; break;
        case ';': t.type = CT_SEMI; break;
        case '{': t.type = CT_LBRACE; break;
        case '}': t.type = CT_RBRACE; break;
        case '|': t.type = CT_BAR; break;
        default: t.type = CT_OTHER; break;
        }
    }
    t.n = (size_t)(lx->src + lx->pos - t.s);
    return t;
}

click_token click_lexer_peek(click_lexer *lx) {
    click_lexer save = *lx;
    click_token t = click_lexer_next(lx);
    *lx = save;
    return t;
}

char *click_lexer_config(click_lexer *lx) {
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    int depth = 0;
    char quote = 0;
    for (;;) {
        int c = cur(lx, 0);
        if (c == -1) {
            free(out);
            lx->error = quote ? "unterminated string in configuration"
                              : "unterminated configuration string (missing ')')";
            return NULL;
        }
        int emit = c;
        if (quote) {
            if (c == '\\' && cur(lx, 1) != -1) {
                /* keep the escape and the escaped character */
                if (n + 2 >= cap) {
                    char *no = realloc(out, cap *= 2);
                    if (!no) { free(out); return NULL; }
                    out = no;
                }
                out[n++] = (char)c;
                adv(lx);
                emit = cur(lx, 0);
            } else if (c == quote) {
                quote = 0;
            }
            adv(lx);
        } else if (c == '/' && cur(lx, 1) == '/') {
            while (cur(lx, 0) != -1 && cur(lx, 0) != '\n') adv(lx);
            emit = ' ';
        } else if (c == '/' && cur(lx, 1) == '*') {
            adv(lx); adv(lx);
            while (!(cur(lx, 0) == '*' && cur(lx, 1) == '/')) {
                if (cur(lx, 0) == -1) {
                    free(out);
                    lx->error = "unterminated comment";
                    return NULL;
                }
                adv(lx);
            }
            adv(lx); adv(lx);
            emit = ' ';
        } else {
            if (c == '"' || c == '\'') quote = (char)c;
            else if (c == '(') depth++;
            else if (c == ')') {
                if (depth == 0) {
                    adv(lx);
                    break;
                }
                depth--;
            }
            adv(lx);
        }
        if (n + 2 >= cap) {
            char *no = realloc(out, cap *= 2);
            if (!no) { free(out); return NULL; }
            out = no;
        }
        out[n++] = (char)emit;
    }
    out[n] = 0;
    return out;
}

const char *click_tok_name(enum click_tok t) {
    switch (t) {
    case CT_EOF: return "end of file";
    case CT_ERROR: return "error";
    case CT_WORD: return "word";
    case CT_VAR: return "variable";
    case CT_COLON2: return "'::'";
    case CT_ARROW: return "'->'";
    case CT_LBRACK: return "'['";
    case CT_RBRACK: return "']'";
    case CT_LPAREN: return "'('";
    case CT_RPAREN: return "')'";
    case CT_COMMA: return "','";
    case CT_SEMI: return "';'";
    case CT_LBRACE: return "'{'";
    case CT_RBRACE: return "'}'";
    case CT_BAR: return "'|'";
    case CT_ELLIPSIS: return "'...'";
    default: return "character";
    }
}
