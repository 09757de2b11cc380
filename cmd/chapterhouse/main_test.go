package main

import (
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
