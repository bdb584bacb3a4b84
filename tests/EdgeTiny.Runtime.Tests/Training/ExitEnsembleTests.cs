using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Training;

/// <summary>
/// Exit voting (Edge-LLM's inference with exits at every window top): each exit's distribution is what a single pass
/// with adapters on exactly that window gives, and the three rules combine them as documented — the last exit alone,
/// P(v) ∝ max_e P_e(v), P ∝ Σ_e c_e P_e with c_e = max_v P_e(v) — checked against hand computations.
/// </summary>
public sealed class ExitEnsembleTests
{
    private static readonly int[] Sequence = [1, 7, 12, 3, 19, 5, 5, 22, 9, 14];

    private sealed record Setup(ModelConfig Config, EtbModel Model, AdapterSet Adapters, ExitEnsemble Ensemble, int[] Top, int[] Bottom);

    /// <summary>4 layers; adapters from <paramref name="firstAdapted"/> to the top, windows of <paramref name="window"/>; random B unless fresh.</summary>
    private static Setup Build(int firstAdapted, int window, bool fresh, int seed = 3)
    {
        ModelConfig c = TinyModels.Shape(dim: 16, hidden: 24, layers: 4, heads: 4, kvHeads: 2);
        EtbModel m = TinyModels.Open(TinyModels.Source(c, 21), new RuntimeOptions { ContextLength = Sequence.Length });
        var adapters = new AdapterSet(c, firstAdapted, rank: 2, alpha: 4f, false, m.Ledger) { Window = window };
        adapters.Initialize(5);
        if (!fresh)
        {
            var rng = new Random(seed);
            for (int i = 0; i < adapters.Count; i++)
                for (int j = 0; j < adapters.At(i).B.Length; j++) adapters.At(i).B[j] = (float)(rng.NextDouble() - 0.5);
        }
        var k = new PortableKernels();
        Transformer[] streams = [.. Enumerable.Range(0, ExitEnsemble.StreamsNeeded(c, adapters)).Select(_ => m.CreateTransformer(k))];
        var ensemble = new ExitEnsemble(m.CreateTransformer(k), m.Weights, streams, adapters, m.Ledger);
        // Window tops from the top down every `window` layers; each window reaches down `window` layers (not below 0).
        int exits = (c.Layers + window - 1) / window;
        int[] top = [.. Enumerable.Range(0, exits).Select(e => c.Layers - 1 - (exits - 1 - e) * window)];
        int[] bottom = [.. top.Select(t => Math.Max(0, t - window + 1))];
        Assert.Equal(exits, ensemble.Exits);
        return new Setup(c, m, adapters, ensemble, top, bottom);
    }

    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        double[] e = [.. logits.Select(l => Math.Exp(l - max))];
        double sum = e.Sum();
        return [.. e.Select(x => x / sum)];
    }

    /// <summary>
    /// Per exit, one ordinary transformer run through layers 0..top with adapters on exactly the exit's window (none
    /// when the window has no adapters): what the exit must see — frozen layers below, adapted layers inside.
    /// </summary>
    private sealed class ExitReference
    {
        private readonly Transformer[] _t;
        private readonly ForwardHooks?[] _hooks;
        private readonly Setup _s;

        public ExitReference(Setup s)
        {
            _s = s;
            _t = [.. s.Top.Select(_ => s.Model.CreateTransformer(new PortableKernels()))];
            _hooks = [.. s.Top.Select((top, e) =>
            {
                if (!s.Adapters.Has(s.Bottom[e])) return ForwardHooks.None;
                var h = new ForwardHooks(s.Model.Weights, s.Adapters, null, null);
                h.SetWindow(s.Bottom[e], top);
                return h;
            })];
        }

        public double[][] Forward(int token, int pos) =>
        [
            .. _t.Select((t, e) =>
            {
                t.Embed(token, pos, _hooks[e]);
                t.RunLayers(pos, 0, _s.Top[e], _hooks[e]);
                return Softmax(t.Exit(_hooks[e]));
            }),
        ];
    }

    [Theory]
    [InlineData(0, 2)] // adapters on every layer (the adaptive schedule's set): two adapted exits
    [InlineData(2, 2)] // adapters on the top window only: exit 0 is the base model's early exit
    [InlineData(2, 1)] // windows of one layer: exits at layers 0..3, the top two adapted
    public void Every_exit_is_the_single_pass_with_adapters_on_its_window(int firstAdapted, int window)
    {
        Setup s = Build(firstAdapted, window, fresh: false);
        var reference = new ExitReference(s);
        for (int pos = 0; pos < Sequence.Length; pos++)
        {
            s.Ensemble.Forward(Sequence[pos], pos, VoteRule.LastExit);
            double[][] expected = reference.Forward(Sequence[pos], pos);
            for (int e = 0; e < s.Ensemble.Exits; e++)
                for (int v = 0; v < s.Config.VocabSize; v++)
                    Assert.True(Math.Abs(s.Ensemble.Probability(e, v) - expected[e][v]) <= 1e-6,
                        $"position {pos}, exit {e}, token {v}: {s.Ensemble.Probability(e, v)} vs {expected[e][v]}");
        }
    }

    [Fact]
    public void Last_exit_is_the_plain_softmax_of_the_adapted_model()
    {
        Setup s = Build(0, 2, fresh: false);
        // The ordinary generation path: one transformer, the adapters' own top window (the last Window layers).
        Transformer plain = s.Model.CreateTransformer(new PortableKernels());
        var hooks = new ForwardHooks(s.Model.Weights, s.Adapters, null, null);
        for (int pos = 0; pos < Sequence.Length; pos++)
        {
            float[] voted = s.Ensemble.Forward(Sequence[pos], pos, VoteRule.LastExit);
            double[] expected = Softmax(plain.Forward(Sequence[pos], pos, hooks));
            for (int v = 0; v < s.Config.VocabSize; v++)
                Assert.True(Math.Abs(voted[v] - expected[v]) <= 1e-6, $"position {pos}, token {v}: {voted[v]} vs {expected[v]}");
        }
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(2, 1)]
    public void Voting_rules_combine_the_exits_as_documented(int firstAdapted, int window)
    {
        Setup s = Build(firstAdapted, window, fresh: false);
        int vocab = s.Config.VocabSize, exits = s.Ensemble.Exits;
        for (int pos = 0; pos < Sequence.Length; pos++)
        {
            // Running a position again recomputes the same keys and values: each rule sees the same exits.
            float[] last = (float[])s.Ensemble.Forward(Sequence[pos], pos, VoteRule.LastExit).Clone();
            float[] max = (float[])s.Ensemble.Forward(Sequence[pos], pos, VoteRule.MaxProbability).Clone();
            float[] weighted = (float[])s.Ensemble.Forward(Sequence[pos], pos, VoteRule.ConfidenceWeighted).Clone();
            double P(int e, int v) => s.Ensemble.Probability(e, v);

            double[] c = [.. Enumerable.Range(0, exits).Select(e => Enumerable.Range(0, vocab).Max(v => P(e, v)))];
            double[] maxVote = [.. Enumerable.Range(0, vocab).Select(v => Enumerable.Range(0, exits).Max(e => P(e, v)))];
            double[] weightedVote = [.. Enumerable.Range(0, vocab).Select(v => Enumerable.Range(0, exits).Sum(e => c[e] * P(e, v)))];
            double maxSum = maxVote.Sum(), weightedSum = weightedVote.Sum();
            Assert.InRange(maxSum, 1.0 - 1e-6, exits + 1e-6); // Σ_v max_e P_e(v) lies between 1 and the number of exits
            for (int v = 0; v < vocab; v++)
            {
                // (1e-6: the combined distribution is renormalised by its float sum, which is 1 only to rounding.)
                Assert.True(Math.Abs(last[v] - P(exits - 1, v)) <= 1e-6, $"position {pos}, token {v}: last exit {last[v]} vs {P(exits - 1, v)}");
                Assert.True(Math.Abs(max[v] - maxVote[v] / maxSum) <= 1e-6, $"position {pos}, token {v}: max vote {max[v]} vs {maxVote[v] / maxSum}");
                Assert.True(Math.Abs(weighted[v] - weightedVote[v] / weightedSum) <= 1e-6, $"position {pos}, token {v}: weighted vote {weighted[v]} vs {weightedVote[v] / weightedSum}");
            }
            foreach (float[] d in new[] { last, max, weighted })
                Assert.True(Math.Abs(d.Sum(x => (double)x) - 1.0) <= 1e-5, $"position {pos}: a distribution sums to {d.Sum(x => (double)x)}");
            for (int e = 0; e < exits; e++)
                Assert.True(Math.Abs(Enumerable.Range(0, vocab).Sum(v => P(e, v)) - 1.0) <= 1e-5, $"exit {e} does not sum to 1");
            // The exits really disagree here, so the rules are not all the same distribution.
            double apart = Enumerable.Range(0, vocab).Max(v => Math.Abs(max[v] - last[v]));
            Assert.True(apart > 1e-3, $"position {pos}: the max vote is within {apart} of the last exit");
        }
    }

    [Fact]
    public void Voted_loss_lies_within_what_the_exits_themselves_lose()
    {
        // Per token y: the weighted vote is a mixture of the exits, so its loss lies between the best and worst exit's;
        // the max vote divides max_e P_e(y) by Σ_v max_e P_e(v) ∈ [1, exits], so its loss is at least the best exit's and at
        // most that plus ln(exits).
        Setup s = Build(0, 1, fresh: false);
        int exits = s.Ensemble.Exits;
        for (int pos = 0; pos + 1 < Sequence.Length; pos++)
        {
            int y = Sequence[pos + 1];
            double weighted = -Math.Log(s.Ensemble.Forward(Sequence[pos], pos, VoteRule.ConfidenceWeighted)[y]);
            double[] losses = [.. Enumerable.Range(0, exits).Select(e => -Math.Log(s.Ensemble.Probability(e, y)))];
            double max = -Math.Log(s.Ensemble.Forward(Sequence[pos], pos, VoteRule.MaxProbability)[y]);
            Assert.InRange(weighted, losses.Min() - 1e-5, losses.Max() + 1e-5);
            Assert.InRange(max, losses.Min() - 1e-5, losses.Min() + Math.Log(exits) + 1e-5);
        }
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(0, 1)]
    [InlineData(2, 1)]
    public void Fresh_adapters_leave_every_exit_equal_to_the_base_model(int firstAdapted, int window)
    {
        // B = 0 (as initialised): every adapter adds exactly zero, so each exit is the base model's exit at that layer.
        Setup s = Build(firstAdapted, window, fresh: true);
        Assert.All(Enumerable.Range(0, s.Adapters.Count), i => Assert.All(s.Adapters.At(i).B, b => Assert.Equal(0f, b)));
        Transformer[] bases = [.. s.Top.Select(_ => s.Model.CreateTransformer(new PortableKernels()))];
        for (int pos = 0; pos < Sequence.Length; pos++)
        {
            s.Ensemble.Forward(Sequence[pos], pos, VoteRule.MaxProbability);
            for (int e = 0; e < s.Ensemble.Exits; e++)
            {
                bases[e].Embed(Sequence[pos], pos, ForwardHooks.None);
                bases[e].RunLayers(pos, 0, s.Top[e], ForwardHooks.None);
                double[] expected = Softmax(bases[e].Exit(ForwardHooks.None));
                for (int v = 0; v < s.Config.VocabSize; v++)
                    Assert.True(Math.Abs(s.Ensemble.Probability(e, v) - expected[v]) <= 1e-6, $"position {pos}, exit {e}, token {v}");
            }
        }
    }
}
