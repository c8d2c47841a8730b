/*
 * lbuf.c — regio.buffer (RIORegisterBuffer / RIODeregisterBuffer) and regio.slice (RIO_BUF).
 *
 * A buffer userdata owns page-aligned, zeroed memory and registers it with the core. Deregistering
 * keeps the memory readable and writable through the buffer. When the buffer is collected (or
 * closed with <close>) while it is still registered and its lab is open, the memory goes to the
 * core with regio_buf_release, which frees it once no request uses it any more; otherwise the
 * buffer frees it at once.
 *
 * A slice is { buffer, offset, length } with 32-bit values; its bounds are checked by the core
 * when a request uses it (EINVAL, EFAULT), and by s:read() / s:write() here.
 */
#define _POSIX_C_SOURCE 200809L

#include "lregio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int buffer_is_closed(const lregio_buffer *buf) {
  return buf->closed || buf->mem == NULL || buf->lab->core == NULL;
}

lregio_buffer *lregio_checkbuffer(lua_State *L, int idx) {
  lregio_buffer *buf = luaL_checkudata(L, idx, LREGIO_BUFFER);
  if (buffer_is_closed(buf)) lregio_closed_error(L, LREGIO_BUFFER);
  return buf;
}

/* Raises unless [offset, offset + len) lies inside a buffer of buf_len bytes. */
static void check_range(lua_State *L, uint64_t offset, uint64_t len, uint64_t buf_len) {
  if (offset > buf_len || len > buf_len - offset) {
    char text[128];
    snprintf(text, sizeof(text), "range [%llu, %llu) is outside the buffer (length %llu)",
             (unsigned long long)offset, (unsigned long long)(offset + len),
             (unsigned long long)buf_len);
    luaL_error(L, "%s", text);
  }
}

/* {======================================================================================
** lab:register(n | "bytes")
** ======================================================================================= */

int lregio_lab_register(lua_State *L) {
  lregio_lab *lab = lregio_checklab(L, 1);
  lregio_buffer *buf;
  const char *src = NULL;
  size_t len;
  long page;
  void *mem = NULL;
  regio_bufid id;
  int rc;
  if (lua_type(L, 2) == LUA_TSTRING) {
    src = lua_tolstring(L, 2, &len);
    luaL_argcheck(L, (uint64_t)len <= UINT32_MAX, 2, "string longer than 2^32-1 bytes");
  } else {
    len = lregio_checku32(L, 2);
  }
  if (len == 0) return lregio_fail_msg(L, REGIO_EINVAL, "a buffer needs at least one byte");
  buf = lregio_newobject(L, sizeof(*buf), 1, LREGIO_BUFFER, 1);
  buf->lab = lab;
  buf->id = REGIO_INVALID_BUFFERID;
  page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  if (posix_memalign(&mem, (size_t)page, len) != 0) return lregio_fail(L, REGIO_ENOMEM);
  memset(mem, 0, len);
  if (src != NULL) memcpy(mem, src, len);
  buf->mem = mem; /* from here on, __gc frees it */
  buf->len = (uint32_t)len;
  if (lab->core == NULL) lregio_closed_error(L, LREGIO_LAB);
  rc = regio_buf_register(lab->core, mem, (uint32_t)len, &id);
  if (rc < 0) return lregio_fail(L, rc);
  buf->id = id;
  buf->registered = 1;
  return 1;
}

/* }====================================================================================== */

/* {======================================================================================
** Buffer methods.
** ======================================================================================= */

static int buffer_len(lua_State *L) {
  lua_pushinteger(L, lregio_checkbuffer(L, 1)->len);
  return 1;
}

static int buffer_id(lua_State *L) {
  lua_pushinteger(L, lregio_checkbuffer(L, 1)->id);
  return 1;
}

static int buffer_write(lua_State *L) {
  lregio_buffer *buf = lregio_checkbuffer(L, 1);
  uint32_t offset = lregio_checku32(L, 2);
  size_t n;
  const char *s = luaL_checklstring(L, 3, &n);
  check_range(L, offset, n, buf->len);
  memcpy(buf->mem + offset, s, n);
  return 0;
}

static int buffer_read(lua_State *L) {
  lregio_buffer *buf = lregio_checkbuffer(L, 1);
  uint32_t offset = lregio_optu32(L, 2, 0);
  uint32_t n = lregio_optu32(L, 3, offset <= buf->len ? buf->len - offset : 0);
  check_range(L, offset, n, buf->len);
  lua_pushlstring(L, (const char *)buf->mem + offset, n);
  return 1;
}

static int buffer_fill(lua_State *L) {
  lregio_buffer *buf = lregio_checkbuffer(L, 1);
  lua_Integer byte = luaL_checkinteger(L, 2);
  uint32_t offset = lregio_optu32(L, 3, 0);
  uint32_t n = lregio_optu32(L, 4, offset <= buf->len ? buf->len - offset : 0);
  luaL_argcheck(L, byte >= 0 && byte <= 255, 2, "byte out of range [0, 255]");
  check_range(L, offset, n, buf->len);
  memset(buf->mem + offset, (int)byte, n);
  return 0;
}

static int buffer_slice(lua_State *L) {
  lregio_buffer *buf = lregio_checkbuffer(L, 1);
  uint32_t offset = lregio_optu32(L, 2, 0);
  uint32_t length = lregio_optu32(L, 3, offset <= buf->len ? buf->len - offset : 0);
  lregio_slice *s = lregio_newobject(L, sizeof(*s), 1, LREGIO_SLICE, 0);
  lua_pushvalue(L, 1);
  lregio_setuv(L, -2, LREGIO_SLICE_UV_BUFFER);
  s->buf = buf;
  s->s.id = buf->id;
  s->s.offset = offset;
  s->s.length = length;
  return 1;
}

static int buffer_in_flight(lua_State *L) {
  lregio_buffer *buf = lregio_checkbuffer(L, 1);
  lua_pushinteger(L, buf->registered ? regio_buf_in_flight(buf->lab->core, buf->id) : 0);
  return 1;
}

static int buffer_registered(lua_State *L) {
  lua_pushboolean(L, lregio_checkbuffer(L, 1)->registered);
  return 1;
}

static int buffer_deregister(lua_State *L) {
  lregio_buffer *buf = lregio_checkbuffer(L, 1);
  if (buf->registered) {
    int rc = regio_buf_deregister(buf->lab->core, buf->id);
    if (rc < 0) return lregio_fail(L, rc);
    buf->registered = 0;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* __gc and __close: gives the memory to the core if requests may still use it, else frees it. */
static int buffer_gc(lua_State *L) {
  lregio_buffer *buf = luaL_checkudata(L, 1, LREGIO_BUFFER);
  void *mem = buf->mem;
  if (buf->closed) return 0;
  buf->closed = 1;
  buf->mem = NULL;
  if (mem == NULL) return 0;
  if (buf->registered && buf->lab->core != NULL) {
    buf->registered = 0;
    if (regio_buf_release(buf->lab->core, buf->id, free, mem) == 0) return 0;
  }
  free(mem);
  return 0;
}

static int buffer_tostring(lua_State *L) {
  lregio_buffer *buf = luaL_checkudata(L, 1, LREGIO_BUFFER);
  char text[128];
  if (buffer_is_closed(buf)) {
    lua_pushliteral(L, LREGIO_BUFFER " (closed)");
    return 1;
  }
  snprintf(text, sizeof(text), LREGIO_BUFFER ": id=0x%08lx len=%lu in_flight=%lu%s",
           (unsigned long)buf->id, (unsigned long)buf->len,
           (unsigned long)(buf->registered ? regio_buf_in_flight(buf->lab->core, buf->id) : 0),
           buf->registered ? "" : " deregistered");
  lua_pushstring(L, text);
  return 1;
}

/* }====================================================================================== */

/* {======================================================================================
** Slices.
** ======================================================================================= */

lregio_slice *lregio_checkslice(lua_State *L, int idx) {
  lregio_slice *s = luaL_checkudata(L, idx, LREGIO_SLICE);
  if (buffer_is_closed(s->buf)) lregio_closed_error(L, LREGIO_SLICE);
  return s;
}

static int slice_read(lua_State *L) {
  lregio_slice *s = lregio_checkslice(L, 1);
  check_range(L, s->s.offset, s->s.length, s->buf->len);
  lua_pushlstring(L, (const char *)s->buf->mem + s->s.offset, s->s.length);
  return 1;
}

static int slice_write(lua_State *L) {
  lregio_slice *s = lregio_checkslice(L, 1);
  size_t n;
  const char *str = luaL_checklstring(L, 2, &n);
  check_range(L, s->s.offset, s->s.length, s->buf->len);
  luaL_argcheck(L, n <= s->s.length, 2, "string longer than the slice");
  memcpy(s->buf->mem + s->s.offset, str, n);
  return 0;
}

static int slice_len(lua_State *L) {
  lua_pushinteger(L, lregio_checkslice(L, 1)->s.length);
  return 1;
}

/* __index: methods first (upvalue 1), then the fields buffer, offset, length. The fields stay
   readable after the lab closed (they are plain values). */
static int slice_index(lua_State *L) {
  lregio_slice *s = luaL_checkudata(L, 1, LREGIO_SLICE);
  const char *key;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  key = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "";
  if (strcmp(key, "buffer") == 0) lregio_getuv(L, 1, LREGIO_SLICE_UV_BUFFER);
  else if (strcmp(key, "offset") == 0) lua_pushinteger(L, s->s.offset);
  else if (strcmp(key, "length") == 0) lua_pushinteger(L, s->s.length);
  else lua_pushnil(L);
  return 1;
}

static int slice_tostring(lua_State *L) {
  lregio_slice *s = luaL_checkudata(L, 1, LREGIO_SLICE);
  char text[128];
  if (buffer_is_closed(s->buf)) {
    lua_pushliteral(L, LREGIO_SLICE " (closed)");
    return 1;
  }
  snprintf(text, sizeof(text), LREGIO_SLICE ": id=0x%08lx offset=%lu length=%lu",
           (unsigned long)s->s.id, (unsigned long)s->s.offset, (unsigned long)s->s.length);
  lua_pushstring(L, text);
  return 1;
}

/* __close: a slice owns nothing (no __gc either, slices are made in hot loops); closing one does
   nothing and exists only so that a slice is accepted by <close>. */
static int slice_close(lua_State *L) {
  luaL_checkudata(L, 1, LREGIO_SLICE);
  return 0;
}

/* }====================================================================================== */

void lregio_open_buffer(lua_State *L) {
  static const luaL_Reg buffer_meta[] = {
      {"__gc", buffer_gc},
      {"__close", buffer_gc},
      {"__len", buffer_len},
      {"__tostring", buffer_tostring},
      {NULL, NULL},
  };
  static const luaL_Reg buffer_methods[] = {
      {"id", buffer_id},
      {"write", buffer_write},
      {"read", buffer_read},
      {"fill", buffer_fill},
      {"slice", buffer_slice},
      {"in_flight", buffer_in_flight},
      {"registered", buffer_registered},
      {"deregister", buffer_deregister},
      {NULL, NULL},
  };
  static const luaL_Reg slice_meta[] = {
      {"__close", slice_close},
      {"__len", slice_len},
      {"__tostring", slice_tostring},
      {NULL, NULL},
  };
  static const luaL_Reg slice_methods[] = {
      {"read", slice_read},
      {"write", slice_write},
      {NULL, NULL},
  };
  lregio_newclass(L, LREGIO_BUFFER, buffer_meta, buffer_methods);
  lregio_newclass_fields(L, LREGIO_SLICE, slice_meta, slice_methods, slice_index);
}
