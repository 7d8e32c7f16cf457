# The ctest fixture `postgres`: a private, throwaway PostgreSQL under
# ${STREAMTUNE_TEST_PG_DIR}, started before and stopped (its files removed)
# after every test that
# declares FIXTURES_REQUIRED postgres. Such tests find the database URL in
# the file ${STREAMTUNE_TEST_DATABASE_URL_FILE} (pass it in the environment
# variable of that name): the superuser's, since tests create databases and
# roles of their own (a row-level security test makes an ordinary owner role,
# as deploy/pg/start.sh does for the service).
# Only this fixture runs PostgreSQL with durability off (--fast-unsafe:
# fsync, synchronous_commit, full_page_writes), for speed: its data is thrown
# away. Every other start.sh (demo, benchmark, the fault test) is durable.
# Included from the top-level CMakeLists.txt before the subdirectories.
set(STREAMTUNE_TEST_DATABASE_URL_FILE ${STREAMTUNE_TEST_PG_DIR}/admin_url)

add_test(NAME postgres_start
  COMMAND ${STREAMTUNE_DEPLOY_DIR}/pg/start.sh --fast-unsafe ${STREAMTUNE_TEST_PG_DIR})
set_tests_properties(postgres_start PROPERTIES
  FIXTURES_SETUP postgres
  LABELS postgres
  TIMEOUT 180)

add_test(NAME postgres_stop
  COMMAND ${STREAMTUNE_DEPLOY_DIR}/pg/stop.sh --remove ${STREAMTUNE_TEST_PG_DIR})
set_tests_properties(postgres_stop PROPERTIES
  FIXTURES_CLEANUP postgres
  LABELS postgres
  TIMEOUT 120)
