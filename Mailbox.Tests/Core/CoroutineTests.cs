using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

public abstract class CoroutineTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task RunAsync_EveryAwait_ResumesOnTheLoopThread()
    {
        await using var loop = Spawn();
        var probe = CreateTestProbe();
        int loopThread = await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId));

        await loop.RunAsync(async () =>
        {
            probe.Tell(("start", Environment.CurrentManagedThreadId));
            await Task.Yield();
            probe.Tell(("after Task.Yield", Environment.CurrentManagedThreadId));
            int poolThread = await Task.Run(() => Environment.CurrentManagedThreadId);
            probe.Tell(("after Task.Run", Environment.CurrentManagedThreadId));
            var completedOnPool = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Task.Run(() => completedOnPool.SetResult(poolThread));
            await completedOnPool.Task.ConfigureAwait(true);
            probe.Tell(("after ConfigureAwait(true)", Environment.CurrentManagedThreadId));
            await Task.Delay(1);
            probe.Tell(("after Task.Delay", Environment.CurrentManagedThreadId));
            Assert.Same(loop, LoopActor.Current);
        });

        foreach (var step in new[] { "start", "after Task.Yield", "after Task.Run", "after ConfigureAwait(true)", "after Task.Delay" })
        {
            await probe.ExpectMsgAsync((step, loopThread), Patience, hint: step);
        }
    }

    [Fact]
    public async Task RunAsync_ReturnsResultExceptionOrCancellation_OfTheCoroutine()
    {
        await using var loop = Spawn();
        Assert.Equal(7, await loop.RunAsync(async () => { await LoopActor.Yield(); return 7; }));
        await Assert.ThrowsAsync<FormatException>(() => loop.RunAsync(async () => { await LoopActor.Yield(); throw new FormatException(); }));
        using var cts = new CancellationTokenSource();
        var cancelled = loop.RunAsync(async token =>
        {
            await cts.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
        }, cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(cancelled));
        Assert.True(cancelled.IsCanceled);
    }

    [Fact]
    public async Task RunAsync_TokenCancelledBeforeStart_NeverStartsEndsCancelledAndCountsAsExecuted()
    {
        await using var loop = Spawn();
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        using var cts = new CancellationTokenSource();
        bool started = false;
        var task = loop.RunAsync(() => { started = true; return Task.CompletedTask; }, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(task));
        gate.Open();
        var report = await loop.StopAsync();
        Assert.False(started);
        Assert.True(task.IsCanceled);
        Assert.Equal(2, report.Executed);
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public async Task RunAsync_CallerTokenCancelledAfterStart_CoroutineSeesItsOwnTokenAndTaskEndsOnlyWhenItEnds()
    {
        await using var loop = Spawn();
        var probe = CreateTestProbe();
        using var cts = new CancellationTokenSource();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = loop.RunAsync(async token =>
        {
            probe.Tell("started");
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (token.Register(() => seen.TrySetResult()))
            {
                await seen.Task;
            }

            probe.Tell(("token cancelled on loop", LoopActor.Current == loop));
            await release.Task; // the coroutine is still running: its task must not end yet
            token.ThrowIfCancellationRequested();
        }, cts.Token);
        await probe.ExpectMsgAsync("started", Patience);
        await cts.CancelAsync();
        await probe.ExpectMsgAsync(("token cancelled on loop", true), Patience);
        Assert.False(task.IsCompleted);
        release.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(task));
        Assert.True(task.IsCanceled);
    }

    [Fact]
    public async Task RunAsync_Completion_DoesNotRunTheCallersContinuationOnTheLoopThread()
    {
        await using var loop = Spawn();
        int loopThread = await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId));
        for (int i = 0; i < 100; i++)
        {
            int continuationThread = await loop.RunAsync(() => Task.FromResult(0))
                .ContinueWith(_ => Environment.CurrentManagedThreadId, TaskContinuationOptions.ExecuteSynchronously);
            Assert.NotEqual(loopThread, continuationThread);
        }
    }

    [Fact]
    public async Task Yield_AfterAPost_ResumesAfterThePost()
    {
        await using var loop = Spawn();
        var order = await loop.RunAsync(async () =>
        {
            var seen = new List<string>();
            loop.Post(() => seen.Add("post"));
            await LoopActor.Yield();
            seen.Add("after yield");
            return seen;
        });
        Assert.Equal(["post", "after yield"], order);
    }

    [Fact]
    public async Task Yield_AfterMorePostsThanATurnsBudget_ResumesAfterEveryOneOfThem()
    {
        // 1,000 posts from another thread are about four turns' budgets (256 each, dedicated or grouped): the turn that
        // runs out of budget before the last of them must not run the yielded step, and the next turns must still hold
        // it back. (Posts from the loop itself take another way, so they are sent from the test's thread.)
        await using var loop = Spawn();
        const int posts = 1_000;
        int ran = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var coroutine = loop.RunAsync(async () =>
        {
            started.SetResult();
            await posted.Task;
            await LoopActor.Yield();
            return ran;
        });
        await WithinAsync(started.Task);
        for (int i = 0; i < posts; i++)
        {
            loop.Post(() => ran++);
        }

        posted.SetResult();
        Assert.Equal(posts, await WithinAsync(coroutine));
    }

    [Fact]
    public async Task Yield_AfterAPostFromAResumedStep_ResumesAfterThePost()
    {
        // From the second await on, the coroutine runs as a ready step, not as a message: its post must still run
        // before the step its Yield queues, though no other lane has anything and that step is already in the queue.
        await using var loop = Spawn();
        var order = await WithinAsync(loop.RunAsync(async () =>
        {
            var seen = new List<string>();
            for (int i = 0; i < 3; i++)
            {
                int n = i;
                await LoopActor.Yield();
                loop.Post(() => seen.Add($"post {n}"));
                await LoopActor.Yield();
                seen.Add($"after yield {n}");
            }

            return seen;
        }));
        Assert.Equal(["post 0", "after yield 0", "post 1", "after yield 1", "post 2", "after yield 2"], order);
    }

    [Fact]
    public async Task Yield_ThreeCoroutinesPastATurnsBudget_KeepTheirRoundRobinAndAllFinish()
    {
        // Rounds of three steps do not divide a turn's budget (256): a turn's budget runs out inside a round, and the
        // round must go on in the next turn, in order.
        await using var loop = Spawn();
        const int rounds = 400;
        var seen = new List<char>(); // loop-owned
        var all = await WithinAsync(loop.RunAsync(() =>
        {
            async Task Run(char name)
            {
                for (int i = 0; i < rounds; i++)
                {
                    seen.Add(name);
                    await LoopActor.Yield();
                }
            }

            return Task.FromResult(Task.WhenAll(Run('A'), Run('B'), Run('C')));
        }));
        await WithinAsync(all);
        var expected = string.Concat(Enumerable.Repeat("ABC", rounds));
        Assert.Equal(expected, await WithinAsync(loop.RunAsync(() => Task.FromResult(new string(seen.ToArray())))));
    }

    [Fact]
    public async Task Yield_TwoCoroutines_Alternate()
    {
        await using var loop = Spawn();
        var seen = new List<string>();
        var both = await loop.RunAsync(() =>
        {
            async Task Run(string name)
            {
                for (int i = 0; i < 3; i++)
                {
                    seen.Add($"{name}{i}");
                    await LoopActor.Yield();
                }
            }

            return Task.FromResult(Task.WhenAll(Run("A"), Run("B")));
        });
        await WithinAsync(both);
        Assert.Equal(["A0", "B0", "A1", "B1", "A2", "B2"], await loop.RunAsync(() => Task.FromResult(seen.ToArray())));
    }

    [Fact]
    public async Task Yield_OffTheLoopThread_ThrowsWrongThreadAndLosesNothing()
    {
        await using var loop = Spawn();
        int ran = 0;
        loop.Post(() => ran++);
        Assert.Throws<WrongThreadException>(() => LoopActor.Yield());
        await Task.Run(() => Assert.Throws<WrongThreadException>(() => LoopActor.Yield()));
        var report = await loop.StopAsync();
        Assert.Equal(1, ran);
        Assert.Equal(1, report.Executed);
    }

    [Fact]
    public async Task Current_IsTheLoopOnItsThreadAndNullElsewhere()
    {
        await using var loop = Spawn();
        Assert.Null(LoopActor.Current);
        Assert.Null(await Task.Run(() => LoopActor.Current));
        Assert.Same(loop, await loop.RunAsync(() => Task.FromResult(LoopActor.Current)));
        Assert.True(await loop.RunAsync(() => Task.FromResult(loop.IsOnLoopThread)));
        Assert.False(loop.IsOnLoopThread);
    }

    [Fact]
    public async Task Scheduler_RunsTasksOnTheLoopThread()
    {
        await using var loop = Spawn();
        int loopThread = await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId));
        int ranOn = await Task.Factory.StartNew(() => Environment.CurrentManagedThreadId, CancellationToken.None, TaskCreationOptions.None, loop.Scheduler);
        Assert.Equal(loopThread, ranOn);
    }
}

/// <summary><see cref="CoroutineTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class CoroutineTests_Dedicated(ITestOutputHelper output) : CoroutineTests(output);

/// <summary><see cref="CoroutineTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class CoroutineTests_Grouped(ITestOutputHelper output) : CoroutineTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
