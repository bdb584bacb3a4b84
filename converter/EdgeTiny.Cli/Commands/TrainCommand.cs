using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Training;
using EdgeTiny.Runtime.Model;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>
/// `edgetiny train`: a small Llama from scratch on the desktop — procedural stories (or your story file), a BPE
/// tokenizer trained on them, every weight trained with the runtime's backward passes — written as a llama2.c
/// checkpoint that `edgetiny convert` reads. With no options it reproduces the committed demo model.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Checkpoint to write (tok{vocab}.bin and a .json report go beside it)", Required = true };
        var d = new ModelShape();
        var dim = new Option<int>("--dim") { DefaultValueFactory = _ => d.Dim, Description = "Model width" };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => d.HiddenDim, Description = "FFN neurons per layer" };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => d.Layers };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => d.Heads };
        var kvHeads = new Option<int>("--kv-heads") { DefaultValueFactory = _ => d.KvHeads };
        var vocab = new Option<int>("--vocab") { DefaultValueFactory = _ => d.VocabSize, Description = "BPE vocabulary size (≥ 259 + the characters of the corpus)" };
        var seqLen = new Option<int>("--seq-len") { DefaultValueFactory = _ => d.SeqLen };
        var activation = new Option<string>("--activation") { DefaultValueFactory = _ => "relu", Description = "FFN gate: relu (sparse, packs well) or swiglu (Llama's)" };
        var c = new CorpusRecipe();
        var corpus = new Option<string?>("--corpus") { Description = "Story file (stories separated by <|endoftext|> lines or blank lines) instead of generated stories" };
        var world = new Option<string>("--world") { DefaultValueFactory = _ => c.World, Description = "Generated stories' world: village or harbor" };
        var stories = new Option<int>("--stories") { DefaultValueFactory = _ => c.TrainStories, Description = "Generated training stories" };
        var heldOut = new Option<int>("--heldout-stories") { DefaultValueFactory = _ => c.HeldOutStories };
        var corpusSeed = new Option<ulong>("--corpus-seed") { DefaultValueFactory = _ => c.Seed };
        var o = new TrainOptions();
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => o.Steps };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => o.BatchSize, Description = "Sequences per step" };
        var lr = new Option<float>("--lr") { DefaultValueFactory = _ => o.LearningRate, Description = "Peak learning rate (cosine decay to a tenth)" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => o.Seed, Description = "Seed of the initial weights and the batch order" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => o.Threads, Description = "Threads (does not change the result)" };
        var activationL1 = new Option<float>("--activation-l1") { DefaultValueFactory = _ => o.ActivationL1, Description = "λ of an L1 penalty on FFN gate activations (ProSparse): makes a ReLU FFN sparser; 0 = off" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("train", "Train a small Llama from scratch (stories + BPE tokenizer) and write a llama2.c checkpoint.")
        {
            output, dim, hidden, layers, heads, kvHeads, vocab, seqLen, activation, corpus, world, stories, heldOut, corpusSeed,
            steps, batch, lr, seed, threads, activationL1, json,
        };
        command.SetAction(parse =>
        {
            string act = parse.GetValue(activation)!;
            Cli.Require(act is "relu" or "swiglu", "--activation", $"'{act}' must be relu or swiglu");
            Cli.Require(parse.GetValue(steps) >= 1, "--steps", "must be >= 1");
            Cli.Require(parse.GetValue(batch) >= 1, "--batch", "must be >= 1");
            Cli.Require(parse.GetValue(lr) > 0, "--lr", "must be > 0");
            Cli.Require(parse.GetValue(activationL1) >= 0, "--activation-l1", "must be >= 0");
            Cli.Require(parse.GetValue(stories) >= 1 && parse.GetValue(heldOut) >= 1, "--stories", "story counts must be >= 1");
            Cli.Require(parse.GetValue(vocab) >= 300, "--vocab", "must be >= 300 (259 special and byte tokens + the corpus' characters)");
            ModelShape shape;
            try
            {
                shape = new ModelShape
                {
                    Dim = parse.GetValue(dim), HiddenDim = parse.GetValue(hidden), Layers = parse.GetValue(layers), Heads = parse.GetValue(heads),
                    KvHeads = parse.GetValue(kvHeads), VocabSize = parse.GetValue(vocab), SeqLen = parse.GetValue(seqLen),
                    Activation = act == "relu" ? ModelConfig.ActivationReluGlu : ModelConfig.ActivationSwiGlu,
                };
                shape.ToConfig();
            }
            catch (EdgeTiny.Runtime.Format.ModelFormatException e)
            {
                throw new EdgeTiny.Converter.InputException("--dim/--heads/...", e.Message.Replace("config: ", ""));
            }
            float peak = parse.GetValue(lr);
            var recipe = new TrainRecipe(shape,
                new CorpusRecipe
                {
                    File = parse.GetValue(corpus), World = parse.GetValue(world)!, TrainStories = parse.GetValue(stories),
                    HeldOutStories = parse.GetValue(heldOut), Seed = parse.GetValue(corpusSeed),
                },
                new TrainOptions
                {
                    Steps = parse.GetValue(steps), BatchSize = parse.GetValue(batch), LearningRate = peak, Seed = parse.GetValue(seed),
                    ActivationL1 = parse.GetValue(activationL1), Threads = Math.Max(1, parse.GetValue(threads)),
                });
            if (recipe.Corpus.File is null) TrainingRun.WorldNamed(recipe.Corpus.World);
            var kernels = new EdgeTiny.Runtime.Simd.SimdKernels();
            // Piped stderr (a log file, CI) gets a line every 25 steps instead of progress bars.
            void Log(int step, float loss)
            {
                if (step % 25 == 0 || step == recipe.Options.Steps) Console.Error.WriteLine($"step {step}/{recipe.Options.Steps}: loss {loss:F4}");
            }
            TrainResult r = parse.GetValue(json) || Console.IsErrorRedirected
                ? TrainingRun.Run(recipe, kernels, null, Log)
                : ProgressBars.Run(p => TrainingRun.Run(recipe, kernels, p));
            string path = parse.GetValue(output)!;
            string cmd = "edgetiny train " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).SkipWhile(a => a != "train").Skip(1));
            JsonObject report = TrainingRun.Save(r, recipe, path, cmd.TrimEnd());
            if (parse.GetValue(json)) JsonOutput.Write(report);
            else
                AnsiConsole.MarkupLine(
                    $"wrote [bold]{Markup.Escape(path)}[/] ({r.Parameters:N0} parameters, {r.TrainTokens:N0} tokens in {r.Seconds:F0} s): "
                    + $"held-out loss {r.HeldOutLoss:F4}, perplexity {r.HeldOutPerplexity:F2} (vocabulary {shape.VocabSize})");
            return Cli.ExitOk;
        });
        return command;
    }
}
