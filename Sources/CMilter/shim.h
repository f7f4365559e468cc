#ifndef BEC_CMILTER_SHIM_H
#define BEC_CMILTER_SHIM_H
#include <sys/types.h>
#include <sys/socket.h>
#include <libmilter/mfapi.h>
#endif
