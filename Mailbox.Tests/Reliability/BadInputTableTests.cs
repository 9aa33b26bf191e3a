using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

/// <summary>
/// Every public method of <see cref="LoopActor"/> against each kind of bad input: null, out of range, wrong thread,
/// after stop. Each case runs between two good messages and checks that both ran: bad input never costs accepted work.
/// </summary>
public abstract class BadInputTableTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly Action Noop = () => { };

    public static TheoryData<string, Type> RunningCases() => new()
    {
        { "Post(null)", typeof(ArgumentNullException) },
        { "Post<T>(null)", typeof(ArgumentNullException) },
        { "TryPost(null)", typeof(ArgumentNullException) },
        { "PostAsync(null)", typeof(ArgumentNullException) },
        { "RunAsync(Func<Task> null)", typeof(ArgumentNullException) },
        { "RunAsync(Func<Task<T>> null)", typeof(ArgumentNullException) },
        { "RunAsync(Func<CT, Task> null)", typeof(ArgumentNullException) },
        { "RunAsync(Func<CT, Task<T>> null)", typeof(ArgumentNullException) },
        { "RunUntilComplete(null)", typeof(ArgumentNullException) },
        { "RunUntilComplete<T>(null)", typeof(ArgumentNullException) },
        { "CallLater(null)", typeof(ArgumentNullException) },
        { "CallLater(-1 ms)", typeof(ArgumentOutOfRangeException) },
        { "CallLater(infinite)", typeof(ArgumentOutOfRangeException) },
        { "CallLater(MaxValue)", typeof(ArgumentOutOfRangeException) },
        { "CallAt(null)", typeof(ArgumentNullException) },
        { "CallEvery(null)", typeof(ArgumentNullException) },
        { "CallEvery(0)", typeof(ArgumentOutOfRangeException) },
        { "CallEvery(-1 s)", typeof(ArgumentOutOfRangeException) },
        { "CallEvery(infinite)", typeof(ArgumentOutOfRangeException) },
        { "StopAsync(-1 s)", typeof(ArgumentOutOfRangeException) },
        { "StopAsync(bad mode)", typeof(ArgumentOutOfRangeException) },
        { "Yield() off the loop", typeof(WrongThreadException) },
        { "Delay() off the loop", typeof(WrongThreadException) },
        { "RunUntilComplete on the loop", typeof(InvalidOperationException) },
        { "RunUntilComplete<T> on the loop", typeof(InvalidOperationException) },
    };

    public static TheoryData<string, Type> StoppedCases() => new()
    {
        { "Post", typeof(LoopStoppedException) },
        { "Post<T>", typeof(LoopStoppedException) },
        { "TryPost", typeof(LoopStoppedException) },
        { "PostAsync", typeof(LoopStoppedException) },
        { "RunAsync", typeof(LoopStoppedException) },
        { "RunAsync<T>", typeof(LoopStoppedException) },
        { "RunAsync(CT)", typeof(LoopStoppedException) },
        { "RunAsync<T>(CT)", typeof(LoopStoppedException) },
        { "RunUntilComplete", typeof(LoopStoppedException) },
        { "RunUntilComplete<T>", typeof(LoopStoppedException) },
        { "QueryPendingAsync", typeof(LoopStoppedException) },
        { "CallLater", typeof(LoopStoppedException) },
        { "CallAt", typeof(LoopStoppedException) },
        { "CallEvery", typeof(LoopStoppedException) },
    };

    [Theory]
    [MemberData(nameof(RunningCases))]
    public async Task PublicMethod_BadInputOnARunningLoop_ThrowsAndLosesNoAcceptedWork(string call, Type expected)
    {
        await using var loop = Spawn();
        int ran = 0;
        loop.Post(() => ran++);
        var thrown = await Capture(loop, call);
        Assert.NotNull(thrown);
        Assert.IsType(expected, thrown, exactMatch: false);
        if (expected == typeof(InvalidOperationException))
        {
            Assert.IsNotType<LoopStoppedException>(thrown);
            Assert.IsNotType<WrongThreadException>(thrown);
        }

        loop.Post(() => ran++);
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(2, ran);
        Assert.Equal(0, report.Discarded);
    }

    [Theory]
    [MemberData(nameof(StoppedCases))]
    public async Task PublicMethod_AfterStop_IsRefusedAtTheCall(string call, Type expected)
    {
        var loop = Spawn();
        int ran = 0;
        loop.Post(() => ran++);
        var stop = loop.StopAsync();
        var thrown = await Capture(loop, call, stopped: true);
        Assert.IsType(expected, thrown);
        var report = await WithinAsync(stop);
        Assert.Equal(1, ran);
        Assert.Equal(1, report.Executed);
        Assert.Equal(0, report.Discarded);
    }

    /// <summary>Makes the call and returns what it threw, whether at the call or through the task it returned.</summary>
    private static async Task<Exception?> Capture(LoopActor loop, string call, bool stopped = false)
    {
        try
        {
            if (stopped)
            {
                await CallStopped(loop, call);
            }
            else
            {
                await CallRunning(loop, call);
            }
        }
#pragma warning disable CA1031 // the exception is the subject of the test
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }

        return null;
    }

    private static async Task CallRunning(LoopActor loop, string call)
    {
        switch (call)
        {
            case "Post(null)": loop.Post(null!); break;
            case "Post<T>(null)": loop.Post<int>(null!, 1); break;
            case "TryPost(null)": loop.TryPost(null!); break;
            case "PostAsync(null)": await loop.PostAsync(null!); break;
            case "RunAsync(Func<Task> null)": await loop.RunAsync((Func<Task>)null!); break;
            case "RunAsync(Func<Task<T>> null)": await loop.RunAsync((Func<Task<int>>)null!); break;
            case "RunAsync(Func<CT, Task> null)": await loop.RunAsync((Func<CancellationToken, Task>)null!); break;
            case "RunAsync(Func<CT, Task<T>> null)": await loop.RunAsync((Func<CancellationToken, Task<int>>)null!); break;
            case "RunUntilComplete(null)": loop.RunUntilComplete(null!); break;
            case "RunUntilComplete<T>(null)": loop.RunUntilComplete<int>(null!); break;
            case "CallLater(null)": loop.CallLater(TimeSpan.Zero, null!); break;
            case "CallLater(-1 ms)": loop.CallLater(TimeSpan.FromMilliseconds(-1), Noop); break;
            case "CallLater(infinite)": loop.CallLater(Timeout.InfiniteTimeSpan, Noop); break;
            case "CallLater(MaxValue)": loop.CallLater(TimeSpan.MaxValue, Noop); break;
            case "CallAt(null)": loop.CallAt(DateTimeOffset.UtcNow, null!); break;
            case "CallEvery(null)": loop.CallEvery(TimeSpan.FromSeconds(1), null!); break;
            case "CallEvery(0)": loop.CallEvery(TimeSpan.Zero, Noop); break;
            case "CallEvery(-1 s)": loop.CallEvery(TimeSpan.FromSeconds(-1), Noop); break;
            case "CallEvery(infinite)": loop.CallEvery(Timeout.InfiniteTimeSpan, Noop); break;
            case "StopAsync(-1 s)": await loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(-1)); break;
            case "StopAsync(bad mode)": await loop.StopAsync((StopMode)7); break;
            case "Yield() off the loop": await LoopActor.Yield(); break;
            case "Delay() off the loop": await LoopActor.Delay(TimeSpan.Zero); break;
            case "RunUntilComplete on the loop": await loop.RunAsync(() => { loop.RunUntilComplete(() => Task.CompletedTask); return Task.CompletedTask; }); break;
            case "RunUntilComplete<T> on the loop": await loop.RunAsync(() => Task.FromResult(loop.RunUntilComplete(() => Task.FromResult(1)))); break;
            default: throw new ArgumentOutOfRangeException(nameof(call), call, "unknown case");
        }
    }

    private static async Task CallStopped(LoopActor loop, string call)
    {
        switch (call)
        {
            case "Post": loop.Post(Noop); break;
            case "Post<T>": loop.Post(static _ => { }, 1); break;
            case "TryPost":
                if (!loop.TryPost(Noop)) throw new LoopStoppedException("TryPost returned false");
                break;
            case "PostAsync": await loop.PostAsync(Noop); break;
            case "RunAsync": await loop.RunAsync(() => Task.CompletedTask); break;
            case "RunAsync<T>": await loop.RunAsync(() => Task.FromResult(1)); break;
            case "RunAsync(CT)": await loop.RunAsync(_ => Task.CompletedTask); break;
            case "RunAsync<T>(CT)": await loop.RunAsync(_ => Task.FromResult(1)); break;
            case "RunUntilComplete": loop.RunUntilComplete(() => Task.CompletedTask); break;
            case "RunUntilComplete<T>": loop.RunUntilComplete(() => Task.FromResult(1)); break;
            case "QueryPendingAsync": await loop.QueryPendingAsync(); break;
            case "CallLater": loop.CallLater(TimeSpan.Zero, Noop); break;
            case "CallAt": loop.CallAt(DateTimeOffset.UtcNow, Noop); break;
            case "CallEvery": loop.CallEvery(TimeSpan.FromSeconds(1), Noop); break;
            default: throw new ArgumentOutOfRangeException(nameof(call), call, "unknown case");
        }
    }
}

/// <summary><see cref="BadInputTableTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class BadInputTableTests_Dedicated(ITestOutputHelper output) : BadInputTableTests(output);

/// <summary><see cref="BadInputTableTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class BadInputTableTests_Grouped(ITestOutputHelper output) : BadInputTableTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
