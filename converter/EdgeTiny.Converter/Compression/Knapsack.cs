namespace EdgeTiny.Converter.Compression;

/// <summary>
/// Multiple-choice knapsack, solved exactly by dynamic programming: choose one option per item so that the summed
/// cost is least and the summed size fits the capacity; among equal costs, the smaller total size.
/// O(items × options × capacity) time; sizes are whole units (LUC uses 512-byte sectors).
/// </summary>
public static class Knapsack
{
    /// <returns>The chosen option per item, or null when even the smallest options do not fit.</returns>
    public static int[]? Solve(double[,] cost, int[,] size, int capacity)
    {
        int n = cost.GetLength(0), K = cost.GetLength(1);
        var best = new double[capacity + 1];      // least cost of the items so far within c units
        var used = new int[capacity + 1];         // its total size (tie-break)
        var pick = new byte[n, capacity + 1];
        for (int i = 0; i < n; i++)
        {
            var next = new double[capacity + 1];
            var nextUsed = new int[capacity + 1];
            for (int c = 0; c <= capacity; c++)
            {
                double bestValue = double.PositiveInfinity;
                int bestUsed = int.MaxValue;
                for (int k = 0; k < K; k++)
                {
                    int u = size[i, k];
                    if (u > c || double.IsPositiveInfinity(best[c - u])) continue;
                    double v = best[c - u] + cost[i, k];
                    int w = used[c - u] + u;
                    if (v < bestValue || (v == bestValue && w < bestUsed))
                    {
                        bestValue = v;
                        bestUsed = w;
                        pick[i, c] = (byte)k;
                    }
                }
                next[c] = bestValue;
                nextUsed[c] = bestUsed;
            }
            best = next;
            used = nextUsed;
        }
        if (double.IsPositiveInfinity(best[capacity])) return null;
        var choice = new int[n];
        int at = capacity;
        for (int i = n - 1; i >= 0; i--)
        {
            choice[i] = pick[i, at];
            at -= size[i, choice[i]];
        }
        return choice;
    }
}
