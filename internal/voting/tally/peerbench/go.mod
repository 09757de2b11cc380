module github.com/chapterhouse/chapterhouse/internal/voting/tally/peerbench

go 1.26.8

require (
	github.com/chapterhouse/chapterhouse v0.0.0
	github.com/shawntoffel/meekstv v0.5.2
	resenje.org/schulze v0.6.1
)

replace github.com/chapterhouse/chapterhouse => ../../../..
