# SOC_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer.
option(SOC_SANITIZE "Build with address and undefined-behaviour sanitizers" OFF)

if(SOC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# SOC_BUILD_FUZZ (clang) instruments everything for coverage-guided fuzzing with libFuzzer.
if(SOC_BUILD_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
