namespace EdgeTiny.Converter.Packing;

/// <summary>
/// Ripple's offline placement: a shortest-Hamiltonian-path heuristic over the co-activation graph (distance
/// 1 − P(i, j)) by greedy link merging. Pairs are taken in order of co-activation count, highest first; a pair joins
/// two links when both neurons are link ends (fewer than two neighbours) and in different links (no cycles). Each
/// neuron appears exactly once — no duplication, unlike LLM in a Flash's "closest friend" bundling. Links left over
/// (neurons that never fired together) are chained hottest first. O(n² log n).
/// </summary>
public static class LinkMergingPlacer
{
    /// <param name="pairs">Co-activation counts, n × n row-major (symmetric).</param>
    /// <param name="singles">How often each neuron was active (orders the leftover links).</param>
    /// <returns>order[p] = the neuron stored at position p.</returns>
    public static int[] Place(int[] pairs, int[] singles)
    {
        int n = singles.Length;
        // Candidate edges with any co-activation, as (count, i, j) packed in one long for a fast sort.
        var edges = new List<long>();
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                int c = pairs[i * n + j];
                if (c > 0) edges.Add(((long)c << 40) | ((long)(n - 1 - i) << 20) | (long)(n - 1 - j)); // ties: lower indices first
            }
        long[] sorted = [.. edges];
        Array.Sort(sorted);

        var parent = new int[n];
        var degree = new int[n];
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++) { parent[i] = i; next[i] = prev[i] = -1; }
        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        int links = n;
        for (int k = sorted.Length - 1; k >= 0 && links > 1; k--)
        {
            int i = n - 1 - (int)((sorted[k] >> 20) & 0xFFFFF), j = n - 1 - (int)(sorted[k] & 0xFFFFF);
            if (degree[i] >= 2 || degree[j] >= 2) continue;
            int ri = Find(i), rj = Find(j);
            if (ri == rj) continue;
            // Connect i and j as neighbours (each has a free side).
            if (next[i] < 0) next[i] = j; else prev[i] = j;
            if (next[j] < 0) next[j] = i; else prev[j] = i;
            degree[i]++;
            degree[j]++;
            parent[ri] = rj;
            links--;
        }

        // Walk each link from an end; chain the links hottest first.
        var visited = new bool[n];
        var chains = new List<(long Heat, List<int> Path)>();
        for (int s = 0; s < n; s++)
        {
            if (visited[s] || degree[s] == 2) continue;
            var path = new List<int>();
            int from = -1, at = s;
            while (at >= 0 && !visited[at])
            {
                visited[at] = true;
                path.Add(at);
                int to = next[at] >= 0 && next[at] != from ? next[at] : prev[at] >= 0 && prev[at] != from ? prev[at] : -1;
                from = at;
                at = to;
            }
            chains.Add((path.Sum(p => (long)singles[p]), path));
        }
        var order = chains.OrderByDescending(c => c.Heat).SelectMany(c => c.Path).ToArray();
        if (order.Length != n || order.Distinct().Count() != n) throw new InvalidOperationException("placement is not a permutation");
        return order;
    }
}
