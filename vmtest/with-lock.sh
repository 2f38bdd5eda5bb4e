#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run a command holding the machine-wide lock for CPU-heavy jobs.
. "$(dirname "$0")/lib.sh"
heavy "$@"
