# Warnings are errors for everything maic compiles itself (MAIC_WERROR; the
# clang fuzzing build turns it off, since gcc is the compiler held to it).
add_library(maic_warnings INTERFACE)
target_compile_options(maic_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${MAIC_WERROR}>:-Werror>)
