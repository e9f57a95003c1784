# Warnings are errors for everything maic compiles itself.
add_library(maic_warnings INTERFACE)
target_compile_options(maic_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
  -Werror)
