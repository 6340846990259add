#include "shash.h"
