using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>A grouped loop is pinned to one thread of its group for life, whatever its siblings do.</summary>
public sealed class PinningTests(ITestOutputHelper output) : GroupTestKit(output)
{
    private const int Turns = 10_000;

    private const int Siblings = 7;

    [Fact]
    public async Task Post_TenThousandTurnsWhileSiblingsAreBusy_ThreadIdNeverChanges()
    {
        // TurnBudget 1: every message is a turn of its own, so the thread moves between loops after each one.
        await using var group = CreateGroup(threads: 2, turnBudget: 1);
        var target = group.Spawn("target");
        int targetThread = await ThreadOfAsync(target);
        using var stop = new CancellationTokenSource();
        var siblings = Enumerable.Range(0, Siblings).Select(i => group.Spawn($"sibling {i}")).ToArray();
        var siblingThreads = await ThreadsOfAsync(siblings);
        Assert.Contains(targetThread, siblingThreads); // busy siblings on the target's own thread, or the test proves little
        var seenBySibling = siblings.Select(s => new HashSet<int>()).ToArray(); // each loop-owned by its sibling
        for (int i = 0; i < siblings.Length; i++)
        {
            var sibling = siblings[i];
            var seen = seenBySibling[i];
            void Spin()
            {
                seen.Add(Environment.CurrentManagedThreadId);
                if (!stop.IsCancellationRequested)
                {
                    _ = sibling.TryPost(Spin);
                }
            }

            sibling.Post(Spin);
        }

        // Posts: each callback posts the next, so each runs in a later turn than the one before.
        var seenByPosts = new HashSet<int>(); // loop-owned
        int posted = 0;                       // loop-owned
        var postsDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Next()
        {
            seenByPosts.Add(Environment.CurrentManagedThreadId);
            if (++posted < Turns)
            {
                target.Post(Next);
            }
            else
            {
                postsDone.SetResult();
            }
        }

        target.Post(Next);
        await WithinAsync(postsDone.Task);

        // Coroutine steps: each Yield resumes in a later turn.
        var seenBySteps = await WithinAsync(target.RunAsync(async () =>
        {
            var seen = new HashSet<int>();
            for (int i = 0; i < Turns; i++)
            {
                seen.Add(Environment.CurrentManagedThreadId);
                await LoopActor.Yield();
            }

            seen.Add(Environment.CurrentManagedThreadId);
            return seen;
        }));

        await stop.CancelAsync();
        foreach (var sibling in siblings)
        {
            await WithinAsync(sibling.StopAsync());
        }

        var report = await WithinAsync(target.StopAsync());
        Assert.Equal([targetThread], seenByPosts);
        Assert.Equal([targetThread], seenBySteps);
        Assert.Equal(Turns + 2, report.Executed); // the posts, the coroutine, and the first thread query
        for (int i = 0; i < siblings.Length; i++)
        {
            Assert.Equal([siblingThreads[i]], seenBySibling[i]);
        }
    }
}
