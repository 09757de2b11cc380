// Command loadroster is a load test of the roster listing: many concurrent
// clients fetch a filtered page of one chapter's members from a running
// Chapterhouse server through its public API, for a bounded time or number
// of requests, and it reports requests per second, latency percentiles
// (p50, p90, p99, max) and errors. It exits with status 1 when any request
// failed, 2 on a usage error.
//
// It is a pure client of the public API and sends traffic only to the
// server named by --url (and, with --login, to the OpenID provider that
// server redirects to). Both must be loopback addresses unless
// --allow-remote is given: load tests are not to be pointed at other
// people's machines.
//
// # A run against 100,000 members
//
// Start the development server with a private database kept out of the
// repository:
//
//	CHAPTERHOUSE_DEV_DIR=/tmp/loaddev go run ./cmd/chapterhouse dev --addr 127.0.0.1:18181
//
// Then, in another terminal, seed 100,000 generated members into one
// chapter and load it for twenty seconds with 100 clients:
//
//	go run ./cmd/loadroster --url http://127.0.0.1:18181 --login admin:admin-demo \
//	    --chapter lakeshore --seed-members 100000 --concurrency 100 --duration 20s
//
// --seed-members N generates a realistic roster (package rostergen) and
// POSTs it to the chapter's import endpoint before measuring. The import
// matches rows by external id and email, so seeding the same N again (same
// --seed) changes nothing and is quick. Further runs with another filter:
//
//	go run ./cmd/loadroster --url http://127.0.0.1:18181 --login admin:admin-demo \
//	    --chapter lakeshore --query 'q=smith&joined_after=2015-01-01&sort=name&limit=50'
//
// To import a file by hand instead, write it with --write-csv FILE (no
// network traffic) and POST it as text/csv to
// /api/v1/chapters/{id}/members/import.
//
// # Credentials
//
// --token (or CHAPTERHOUSE_TOKEN) sends a bearer access token issued by the
// server's OpenID provider for the server's client (audience). The
// development server's provider issues those only to its own client, whose
// secret is made afresh at each start, so against `chapterhouse dev` use
// --login USER:PASSWORD instead, with a demo account from the start-up
// banner (admin:admin-demo is the national admin). --login signs in as a
// browser does: /auth/login, the provider's login form, the callback; it
// then sends the session cookie, and on the import request the CSRF token
// that the session cookie's holder derives from it.
package main
