# The ctest fixture `postgres`: a private, throwaway PostgreSQL under
# ${STREAMTUNE_TEST_PG_DIR}, started before and stopped after every test that
# declares FIXTURES_REQUIRED postgres. Such tests find the database URL in
# ${STREAMTUNE_TEST_PG_DIR}/url (pass it as STREAMTUNE_TEST_DATABASE_URL_FILE).
# Only this fixture runs PostgreSQL with durability off (--fast-unsafe:
# fsync, synchronous_commit, full_page_writes), for speed: its data is thrown
# away. Every other start.sh (demo, benchmark, the fault test) is durable.
# Included from the top-level CMakeLists.txt before the subdirectories.
add_test(NAME postgres_start
  COMMAND ${STREAMTUNE_DEPLOY_DIR}/pg/start.sh --fast-unsafe ${STREAMTUNE_TEST_PG_DIR})
set_tests_properties(postgres_start PROPERTIES
  FIXTURES_SETUP postgres
  LABELS postgres
  TIMEOUT 180)

add_test(NAME postgres_stop
  COMMAND ${STREAMTUNE_DEPLOY_DIR}/pg/stop.sh ${STREAMTUNE_TEST_PG_DIR})
set_tests_properties(postgres_stop PROPERTIES
  FIXTURES_CLEANUP postgres
  LABELS postgres
  TIMEOUT 120)
