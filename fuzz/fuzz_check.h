// FUZZ_REQUIRE: the harnesses' property check. A violated property aborts, so
// libFuzzer reports it like any sanitizer finding and saves the input.
#ifndef STREAMTUNE_FUZZ_FUZZ_CHECK_H_
#define STREAMTUNE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_REQUIRE(condition, what)                                                 \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: property violated: %s (%s)\n", __FILE__, __LINE__, \
                   #condition, std::string(what).c_str());                            \
      std::abort();                                                                   \
    }                                                                                 \
  } while (false)

#endif  // STREAMTUNE_FUZZ_FUZZ_CHECK_H_
