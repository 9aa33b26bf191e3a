using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using Mailbox.Bench.Baselines;

namespace Mailbox.Bench;

/// <summary>
/// Post throughput, Mailbox against the raw channel loop, alternated in one process (issue 12's side-by-side harness,
/// kept so that its figures can be reproduced): each round posts <see cref="Posts"/> cached no-op callbacks — from the
/// calling thread, or split over <c>--producers N</c> threads started for the round — and ends when the consumer has run
/// the last; the line printed is the median round of each subject and their ratio. With more than one producer a fourth
/// subject runs too: the raw loop with a 16-byte element (a callback and a null state, the size of Mailbox's envelope),
/// to tell what the envelope's size costs the channel itself from what Mailbox adds. With <c>--peers</c> two more run:
/// Akka.NET's <c>Tell</c> to an actor on its default dispatcher (the "≥ 1.5× Akka.NET" peer, in the same
/// process), and <see cref="QueueLoop"/>, a loop on a lock-free queue without a channel (what the channel's lock costs).
/// With <c>--grouped</c> the Mailbox loop is a grouped one (a <see cref="LoopGroup"/> of one thread): a smaller first
/// lane ring and a send gate that starts as one counter.
/// Run it in several processes — the figure that matters is the spread over processes.
/// </summary>
/// <remarks>
/// The consumer's count lives alone on its cache lines (<see cref="Tally"/>), and the producer reads nothing the
/// consumer writes: an earlier scratch version of this harness kept the count in the same closure object as the
/// delegate the producer loaded for every post, and whether the two shared a cache line depended on where that object
/// landed — a per-process mode of its own (benchmarks.md, "Where the time goes").
/// </remarks>
internal static class PostHarness
{
    /// <summary>The command-line switch.</summary>
    public const string Option = "--post-harness";

    /// <summary>Posts per round: long enough (tens of ms) to span many naps and park/wake cycles.</summary>
    private const int Posts = 2_000_000;

    /// <summary>Rounds per subject, alternated; the median is reported.</summary>
    private const int Rounds = 5;

    public static int Run(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int producers = 1;
        bool peers = false, grouped = false;
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] is "--peers" or "--grouped")
            {
                peers |= args[i] == "--peers";
                grouped |= args[i] == "--grouped";
                continue;
            }

            if (args[i] == "--producers" && i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out producers) && producers > 0 && Posts % producers == 0)
            {
                i++;
                continue;
            }

            Console.Error.WriteLine($"{Option}: unknown argument '{args[i]}'; usage: {Option} [--producers N] [--peers] [--grouped] (N divides {Posts:N0})");
            return 2;
        }

        var tally = new Tally();
        Action tick = tally.Tick;
        using var raw = new RawChannelLoop("harness-raw");
        using var raw16 = new RawPairLoop();
        var group = grouped ? LoopGroup.Create("harness-group", new LoopGroupOptions { ThreadCount = 1 }) : null;
        var loop = group?.Spawn("harness-mailbox") ?? LoopActor.Spawn("harness-mailbox");
        var rawPost = new Action<Action>(raw.Post);
        var raw16Post = new Action<Action>(raw16.Post);
        var mailboxPost = new Action<Action>(loop.Post);
        Action<Action> statePost = _ => loop.Post(static t => t.Tick(), tally);
        bool many = producers > 1;
        using var queue = peers ? new QueueLoop("harness-queue") : null;
        var queuePost = queue is null ? null : new Action<Action>(queue.Post);
        using var akka = peers ? ActorSystem.Create("harness", ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING")) : null;
        var actor = akka?.ActorOf(Props.Create(() => new TallyActor(tally)), "tally");
        Action<Action> akkaPost = _ => actor!.Tell(TallyActor.Tick, ActorRefs.NoSender);

        // Warm-up: every path JIT-compiled and the channels' segments grown before the measured rounds.
        Round(tally, rawPost, tick, producers);
        Round(tally, mailboxPost, tick, producers);
        RoundState(tally, loop, statePost, tick, producers);
        if (many)
        {
            Round(tally, raw16Post, tick, producers);
        }

        if (peers)
        {
            Round(tally, akkaPost, tick, producers);
            Round(tally, queuePost!, tick, producers);
        }

        var rawRounds = new List<double>();
        var raw16Rounds = new List<double>();
        var postRounds = new List<double>();
        var stateRounds = new List<double>();
        var akkaRounds = new List<double>();
        var queueRounds = new List<double>();
        for (int r = 0; r < Rounds; r++)
        {
            if (peers)
            {
                akkaRounds.Add(Round(tally, akkaPost, tick, producers));
                queueRounds.Add(Round(tally, queuePost!, tick, producers));
            }

            rawRounds.Add(Round(tally, rawPost, tick, producers));
            postRounds.Add(Round(tally, mailboxPost, tick, producers));
            stateRounds.Add(RoundState(tally, loop, statePost, tick, producers));
            if (many)
            {
                raw16Rounds.Add(Round(tally, raw16Post, tick, producers));
            }
        }

        var report = loop.StopAsync().GetAwaiter().GetResult();
        group?.StopAsync().GetAwaiter().GetResult();
        long posted = (2L + (2L * Rounds)) * Posts; // two warm-up rounds and two measured ones per round reach the loop
        if (report.Executed != posted || report.Discarded != 0)
        {
            Console.Error.WriteLine($"StopReport {report} disagrees with the {posted} posts sent");
            return 1;
        }

        double rawMs = Median(rawRounds), postMs = Median(postRounds), stateMs = Median(stateRounds);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"raw {Posts / rawMs / 1000:F1} M/s | Post {Posts / postMs / 1000:F1} M/s ({rawMs / postMs:F2}x raw) | Post<TState> {Posts / stateMs / 1000:F1} M/s ({rawMs / stateMs:F2}x raw)");
        if (many)
        {
            double raw16Ms = Median(raw16Rounds);
            line = string.Create(CultureInfo.InvariantCulture, $"{producers} producers: {line} | raw, 16-byte element {Posts / raw16Ms / 1000:F1} M/s ({rawMs / raw16Ms:F2}x raw)");
        }

        if (peers)
        {
            // Akka.NET over Mailbox: above 1, Mailbox is that many times faster (the target is 1.5).
            double akkaMs = Median(akkaRounds), queueMs = Median(queueRounds);
            line = string.Create(CultureInfo.InvariantCulture,
                $"{line} | Akka.NET {Posts / akkaMs / 1000:F1} M/s (Post {akkaMs / postMs:F2}x, Post<TState> {akkaMs / stateMs:F2}x, raw {akkaMs / rawMs:F2}x as fast) | lock-free queue loop {Posts / queueMs / 1000:F1} M/s ({rawMs / queueMs:F2}x raw, {akkaMs / queueMs:F2}x Akka.NET)");
        }

        Console.WriteLine(line);
        return 0;
    }

    /// <summary>One round: <see cref="Posts"/> posts of <paramref name="tick"/> through <paramref name="post"/>, from this thread or split over fresh threads.</summary>
    private static double Round(Tally tally, Action<Action> post, Action tick, int producers)
    {
        tally.Reset(Posts);
        var watch = Stopwatch.StartNew();
        if (producers == 1)
        {
            Produce(post, tick, Posts);
        }
        else
        {
            var threads = new Thread[producers];
            for (int i = 0; i < threads.Length; i++)
            {
                threads[i] = new Thread(() => Produce(post, tick, Posts / producers)) { IsBackground = true, Name = "harness-producer" };
            }

            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }
        }

        tally.Wait();
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>A round of <c>Post&lt;TState&gt;</c>: with one producer posted straight from the loop below (as the harness always has), else through <paramref name="statePost"/> on each thread.</summary>
    private static double RoundState(Tally tally, LoopActor loop, Action<Action> statePost, Action tick, int producers)
    {
        if (producers > 1)
        {
            return Round(tally, statePost, tick, producers);
        }

        tally.Reset(Posts);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Posts; i++)
        {
            loop.Post(static t => t.Tick(), tally);
        }

        tally.Wait();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static void Produce(Action<Action> post, Action tick, int count)
    {
        for (int i = 0; i < count; i++)
        {
            post(tick);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>Akka.NET's subject: a ReceiveActor on the default dispatcher that counts each message on the tally.</summary>
    private sealed class TallyActor : ReceiveActor
    {
        /// <summary>The one cached message every post sends.</summary>
        public static readonly object Tick = new();

        public TallyActor(Tally tally) => ReceiveAny(_ => tally.Tick());
    }

    /// <summary>The raw loop with a 16-byte element, a callback and a null state: the raw loop's code, Mailbox's envelope size.</summary>
    private sealed class RawPairLoop : IDisposable
    {
        private readonly Channel<(Action Callback, object? State)> _channel = Channel.CreateUnbounded<(Action Callback, object? State)>(
            new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

        private readonly Thread _thread;

        public RawPairLoop()
        {
            _thread = new Thread(RunReader) { IsBackground = true, Name = "harness-raw16" };
            _thread.Start();
        }

        public void Post(Action callback) => _channel.Writer.TryWrite((callback, null));

        public void Dispose()
        {
            _channel.Writer.TryComplete();
            _thread.Join();
        }

        private void RunReader()
        {
            var reader = _channel.Reader;
            do
            {
                while (reader.TryRead(out var item))
                {
                    item.Callback();
                }
            }
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult());
        }
    }

    /// <summary>The consumer's count, alone on its cache lines; the producer only reads it in <see cref="Reset"/> and <see cref="Wait"/>.</summary>
    private sealed class Tally
    {
        /// <summary>Set by the consumer when the last post of a round has run.</summary>
        private readonly ManualResetEventSlim _done = new();

        /// <summary>The consumer's hot fields, padded away from the object's header and references.</summary>
        private Hot _hot;

        public void Reset(long target)
        {
            _hot.Count = 0;
            _hot.Target = target;
            _done.Reset();
        }

        public void Tick()
        {
            if (++_hot.Count == _hot.Target)
            {
                _done.Set();
            }
        }

        public void Wait()
        {
            if (!_done.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("the consumer did not run every post within 60 s");
            }
        }

        [StructLayout(LayoutKind.Explicit, Size = 192)]
        private struct Hot
        {
            [FieldOffset(64)]
            public long Count;

            [FieldOffset(72)]
            public long Target;
        }
    }
}
