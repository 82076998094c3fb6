package io.kdumplab.harness.nightly;

import org.testng.annotations.Test;

import java.util.List;

import static org.testng.Assert.assertEquals;

@Test(groups = "unit")
public class CellOrderTest {
    private static CellRow cell(String kernel, String build, int repeat) {
        return new CellRow("p/n", "h|" + kernel + "|seed|" + repeat, "default", "h", kernel, build, "seed", repeat, repeat,
                "PENDING", null, null, null, 0);
    }

    @Test
    public void cellsOfTheRunningInstalledKernelGoFirstAndTheRestKeepTheirOrder() {
        CellRow series1 = cell("nightly", "6.1.0-54-amd64", 1);
        CellRow rt1 = cell("rt", "6.1.0-56-rt-amd64", 1);
        CellRow series2 = cell("nightly", "6.1.0-54-amd64", 2);
        CellRow rt2 = cell("rt", "6.1.0-56-rt-amd64", 2);
        List<CellRow> plan = List.of(series1, rt1, series2, rt2);
        assertEquals(LabCells.runningFirst(plan, "6.1.0-56-rt-amd64", c -> c.kernel().equals("nightly")),
                List.of(rt1, rt2, series1, series2));
        // a column that installs its build keeps its place even when its kernel runs: the build must be booted after its install
        assertEquals(LabCells.runningFirst(plan, "6.1.0-54-amd64", c -> c.kernel().equals("nightly")), plan);
        assertEquals(LabCells.runningFirst(plan, "6.1.0-56-amd64", c -> false), plan, "nothing running from the plan");
    }
}
