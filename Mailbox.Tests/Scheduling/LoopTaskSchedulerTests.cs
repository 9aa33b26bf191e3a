using System.Diagnostics;
using Xunit.Abstractions;

namespace Mailbox.Tests.Scheduling;

/// <summary>
/// <see cref="LoopActor.Scheduler"/>: tasks run on the loop thread, one at a time, as steps; a task may run inline only
/// on the loop thread itself (anywhere else it would run loop work off the loop), and a task's step is named after the
/// task in the loop's events.
/// </summary>
public abstract class LoopTaskSchedulerTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Scheduler_IsMadeOnceOnFirstUse_AndReadAfterThatAllocatesNothing()
    {
        await using var loop = Spawn();
        var first = loop.Scheduler;

        long before = GC.GetAllocatedBytesForCurrentThread();
        var again = loop.Scheduler;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(first, again);
        Assert.Equal(0, allocated);
        Assert.Same(first, await WithinAsync(loop.RunAsync(() => Task.FromResult(loop.Scheduler))));
    }

    [Fact]
    public async Task SynchronousContinuation_CompletedOnTheLoopThread_RunsInlineThere()
    {
        await using var loop = Spawn();

        var (ranInline, ranOnLoop) = await WithinAsync(loop.RunAsync(() =>
        {
            var antecedent = new TaskCompletionSource();
            bool ran = false, onLoop = false;
            _ = antecedent.Task.ContinueWith(
                _ => { ran = true; onLoop = loop.IsOnLoopThread; },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                loop.Scheduler);

            // The scheduler is asked to run the continuation inline here; refused, it would become a later step.
            antecedent.SetResult();
            return Task.FromResult((ran, onLoop));
        }));

        Assert.True(ranInline, "the continuation did not run inline on the loop thread");
        Assert.True(ranOnLoop);
    }

    [Fact]
    public async Task SynchronousContinuation_CompletedOnAnotherThread_RunsOnTheLoopNotThere()
    {
        await using var loop = Spawn();
        Assert.Equal(1, loop.Scheduler.MaximumConcurrencyLevel);
        var gate = await HoldAsync(loop);
        var antecedent = new TaskCompletionSource();
        var continuation = antecedent.Task.ContinueWith(
            _ => loop.IsOnLoopThread,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            loop.Scheduler);

        // The test thread completes the antecedent: inlining here would run loop work off the (held) loop.
        antecedent.SetResult();
        Assert.False(continuation.IsCompleted, "the continuation ran inline on a thread that is not the loop's");

        gate.Open();
        Assert.True(await WithinAsync(continuation));
    }

    [Fact]
    public async Task SlowTask_IsReportedUnderTheTasksName()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            SlowCallbackThreshold = TimeSpan.FromMilliseconds(20),
            Observer = new ProbeObserver(probe, e => e is SlowCallback),
        });

        var task = Task.Factory.StartNew(DeliberatelySlow, CancellationToken.None, TaskCreationOptions.None, loop.Scheduler);
        await WithinAsync(task);

        var slow = await probe.ExpectMsgAsync<SlowCallback>(Patience);
        Assert.Equal($"Task#{task.Id}", slow.CallbackName);
    }

    /// <summary>Runs past the slow-callback threshold on the real clock the threshold is measured on.</summary>
    private static void DeliberatelySlow()
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMilliseconds(60))
        {
            Thread.SpinWait(100);
        }
    }
}

/// <summary><see cref="LoopTaskSchedulerTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class LoopTaskSchedulerTests_Dedicated(ITestOutputHelper output) : LoopTaskSchedulerTests(output);

/// <summary><see cref="LoopTaskSchedulerTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class LoopTaskSchedulerTests_Grouped(ITestOutputHelper output) : LoopTaskSchedulerTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
