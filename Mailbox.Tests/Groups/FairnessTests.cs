using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// A loop runs at most <see cref="LoopGroupOptions.TurnBudget"/> messages or steps per turn: a loop that re-posts to
/// itself, yields or awaits zero delays forever never starves the siblings on its thread.
/// </summary>
/// <remarks>
/// The group has one thread, so every loop is the hog's sibling whatever the placement. The hog counts its own runs
/// (loop-owned); each sibling reads that count when it answers, on the same thread, so the count is exact. Once the
/// last request has been posted, every sibling still waiting is ready: the hog's turn in progress ends within
/// <c>TurnBudget</c> runs, and the thread serves its other ready loops before the hog's next turn; a request that
/// raced the end of a turn may wait for one more. So no sibling answers later than <see cref="MaxHogTurns"/> hog turns
/// after the last post, whatever the machine's speed.
/// </remarks>
public sealed class FairnessTests(ITestOutputHelper output) : GroupTestKit(output)
{
    private const int Siblings = 100;

    private const int TurnBudget = 16;

    /// <summary>The turn in progress, one more for a request that raced its end, and one of slack.</summary>
    private const int MaxHogTurns = 3;

    [Fact]
    public async Task Post_LoopRepostsToItselfForever_HundredSiblingsOnItsThreadEachCompleteARoundTripWithinBoundedTurns()
    {
        await using var group = CreateGroup(threads: 1, turnBudget: TurnBudget);
        var hog = group.Spawn("hog");
        var counter = new HogCounter();
        using var stop = new CancellationTokenSource();
        void Spin()
        {
            counter.Increment();
            if (!stop.IsCancellationRequested)
            {
                _ = hog.TryPost(Spin); // false only once the stop below has begun
            }
        }

        hog.Post(Spin);
        await AssertSiblingsAreServedAsync(group, hog, counter);
        await stop.CancelAsync();
        var report = await WithinAsync(hog.StopAsync());
        Assert.Equal(counter.Count + 1, report.Executed); // every spin, and the thread query; nothing left behind
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public Task Yield_LoopYieldsForever_HundredSiblingsOnItsThreadEachCompleteARoundTripWithinBoundedTurns() =>
        AssertCoroutineHogGivesWayAsync(static async (counter, stop) =>
        {
            while (!stop.IsCancellationRequested)
            {
                counter.Increment();
                await LoopActor.Yield();
            }
        });

    /// <remarks>
    /// A zero delay's timer pass is taken inside the turn that set it (no trip back to the thread between two steps),
    /// and each such pass counts against the turn's budget: the hog still gives way after TurnBudget of them.
    /// </remarks>
    [Fact]
    public Task DelayZero_LoopAwaitsZeroDelaysForever_HundredSiblingsOnItsThreadEachCompleteARoundTripWithinBoundedTurns() =>
        AssertCoroutineHogGivesWayAsync(static async (counter, stop) =>
        {
            while (!stop.IsCancellationRequested)
            {
                counter.Increment();
                await LoopActor.Delay(TimeSpan.Zero);
            }
        });

    [Fact]
    public async Task Yield_CoroutineEndsInAStep_ItsLoopLeavesTheThreadToItsSibling()
    {
        // The coroutine's last step queues nothing: the turn must end there, with nothing sent to the loop after it,
        // so that the thread goes on to the sibling (a loop that kept its thread waiting for its own next message would
        // starve every loop behind it).
        await using var group = CreateGroup(threads: 1, turnBudget: TurnBudget);
        var ended = group.Spawn("ended");
        var sibling = group.Spawn("sibling");
        Assert.Equal(1, await WithinAsync(ended.RunAsync(async () =>
        {
            await LoopActor.Yield();
            return 1;
        })));
        Assert.Equal(2, await WithinAsync(sibling.RunAsync(() => Task.FromResult(2))));
        Assert.Equal(0, (await WithinAsync(ended.StopAsync())).Discarded);
    }

    /// <summary>Runs <paramref name="hogBody"/> as the hog's one coroutine until the siblings have been served, then ends it and checks the hog's report.</summary>
    private async Task AssertCoroutineHogGivesWayAsync(Func<HogCounter, CancellationTokenSource, Task> hogBody)
    {
        await using var group = CreateGroup(threads: 1, turnBudget: TurnBudget);
        var hog = group.Spawn("hog");
        var counter = new HogCounter();
        using var stop = new CancellationTokenSource();
        var spinning = hog.RunAsync(() => hogBody(counter, stop));

        await AssertSiblingsAreServedAsync(group, hog, counter);
        await stop.CancelAsync();
        await WithinAsync(spinning);
        var report = await WithinAsync(hog.StopAsync());
        Assert.Equal(2, report.Executed); // the coroutine and the thread query
        Assert.Equal(0, report.CancelledTimers); // the last zero delay, if any, had fired: the coroutine ended on its own
    }

    /// <summary>Spawns the siblings, waits for the hog to be spinning, asks every sibling for a round trip, and checks the bound.</summary>
    private async Task AssertSiblingsAreServedAsync(LoopGroup group, LoopActor hog, HogCounter counter)
    {
        var siblings = Enumerable.Range(0, Siblings).Select(i => group.Spawn($"sibling {i}")).ToArray();
        await AwaitConditionAsync(() => Task.FromResult(counter.Count > 10 * TurnBudget), Patience); // the hog has had turns of its own
        int hogThread = await ThreadOfAsync(hog);

        var answers = new Task<(int Thread, long HogCount)>[Siblings];
        for (int i = 0; i < Siblings; i++)
        {
            answers[i] = siblings[i].RunAsync(() => Task.FromResult((Environment.CurrentManagedThreadId, counter.Count)));
        }

        long atLastPost = counter.Count; // at or after the hog's count when the last request went in
        var served = await WithinAsync(Task.WhenAll(answers));

        Assert.All(served, s => Assert.Equal(hogThread, s.Thread));
        long latest = served.Max(s => s.HogCount);
        Output.WriteLine($"hog runs between the last request and the last answer: {latest - atLastPost} (bound {MaxHogTurns * TurnBudget})");
        Assert.True(
            latest - atLastPost <= MaxHogTurns * TurnBudget,
            $"the last sibling answered {latest - atLastPost} hog runs after the last request; a fair thread allows {MaxHogTurns} turns of {TurnBudget}");
        await AwaitConditionAsync(() => Task.FromResult(counter.Count > latest), Patience); // and the hog still runs: served, not stopped
        foreach (var sibling in siblings)
        {
            Assert.Equal(1, (await WithinAsync(sibling.StopAsync())).Executed);
        }
    }

    /// <summary>The hog's run count: written by the hog on the group thread, read there by the siblings and by the test thread.</summary>
    private sealed class HogCounter
    {
        /// <summary>Runs so far.</summary>
        private long _count;

        public long Count => Volatile.Read(ref _count);

        public void Increment() => Volatile.Write(ref _count, _count + 1); // single writer: the hog's thread
    }
}
