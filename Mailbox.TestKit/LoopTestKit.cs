using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.TestKit;

/// <summary>
/// Base class for tests of loop code: an Akka.TestKit per test, whose loops under test (<see cref="Spawn"/>) run on the
/// test's own <see cref="FakeTimeProvider"/> (<see cref="Clock"/>), advance in virtual time that settles
/// (<see cref="AdvanceAsync"/>), fail the test on a fault it did not expect (<see cref="ExpectFaultAsync{TException}"/>)
/// and on work it forgot, and are stopped when the test ends. Async expectations only; every wait is bounded.
/// </summary>
/// <remarks>
/// <para>
/// The test's end (<see cref="DisposeAsync"/>, called by xunit after the test method) first asks every loop under test
/// that is still running what it holds — queued messages, ready coroutine steps, live coroutines, timers already due —
/// then stops them all (Drain) and this test's <see cref="Group"/>, and fails the test, naming each loop with its
/// <see cref="PendingWork"/>, if any held forgotten work or raised a fault the test did not expect. Timers not yet due
/// are not forgotten work: the stop cancels them and counts them in its report.
/// </para>
/// <para>
/// The kind of loop is configuration: an area's test class is abstract and its sealed leaves override
/// <see cref="Kind"/> (the pattern of dotnet/runtime's Channels tests), so every test runs on a dedicated loop and on a
/// grouped one. Grouped loops of one test share one <see cref="LoopGroup"/>, made from <see cref="GroupOptions"/> at the
/// first grouped spawn.
/// </para>
/// </remarks>
public abstract partial class LoopTestKit : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    /// <summary>
    /// The threads of the default group. Two: with one, any two loops of a test would be siblings and a test about a
    /// loop of another thread (RunUntilComplete from one loop onto another) could not run grouped; with two, a fresh
    /// group's first two loops are on different threads under either placement policy and siblings come from the third.
    /// </summary>
    private const int DefaultGroupThreads = 2;

    /// <summary>Guards <see cref="_loops"/>, <see cref="_gates"/> and <see cref="_group"/>: spawns may come from any thread.</summary>
    private readonly Lock _lock = new();

    /// <summary>Every loop this test spawned with <see cref="Spawn"/>, in spawn order.</summary>
    private readonly List<LoopUnderTest> _loops = [];

    /// <summary>Gates handed out by <see cref="HoldAsync"/>, opened at the test's end.</summary>
    private readonly List<Gate> _gates = [];

    /// <summary>The group this test's grouped loops share; null until the first grouped spawn.</summary>
    private LoopGroup? _group;

    /// <summary>Creates the kit, its actor system and its <see cref="Clock"/>.</summary>
    /// <param name="output">xunit's output of the test, for the actor system's log and the kit's notes.</param>
    protected LoopTestKit(ITestOutputHelper? output)
        : base(output: output)
    {
    }

    /// <summary>Creates the kit with an actor system of <paramref name="config"/> (tests of loops behind Akka.NET actors, remoting, ...).</summary>
    /// <param name="config">The actor system's HOCON, over Akka.TestKit's defaults.</param>
    /// <param name="output">xunit's output of the test.</param>
    protected LoopTestKit(Akka.Configuration.Config config, ITestOutputHelper? output)
        : base(config, output: output)
    {
    }

    /// <summary>The longest any single wait of the kit lasts: generous for a loaded CI machine, still bounded.</summary>
    public static TimeSpan Patience { get; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an "expect nothing" check listens.</summary>
    public static TimeSpan Quiet { get; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The system clock under another name: pass it as <see cref="LoopOptions.TimeProvider"/> for a loop under test that
    /// must run on real time (<see cref="TimeProvider.System"/> there means "the kit's <see cref="Clock"/>", since it is
    /// <see cref="LoopOptions"/>' default).
    /// </summary>
    public static TimeProvider WallClock { get; } = new WallClockProvider();

    /// <summary>This test's virtual clock; the loops under test run on it unless their options name another provider.</summary>
    /// <remarks>
    /// Move it with <see cref="AdvanceAsync"/>, which returns once the loops have settled. <see cref="FakeTimeProvider.Advance"/>
    /// on it directly jumps in one step and waits for nothing (a test of what a late loop does may want exactly that).
    /// </remarks>
    public FakeTimeProvider Clock { get; } = new();

    /// <summary>Which kind of loop <see cref="Spawn"/> makes. Dedicated unless a leaf says otherwise.</summary>
    protected virtual LoopKind Kind => LoopKind.Dedicated;

    /// <summary>Options of the group grouped loops share: two threads by default (see <see cref="DefaultGroupThreads"/>).</summary>
    protected virtual LoopGroupOptions GroupOptions => new() { ThreadCount = DefaultGroupThreads };

    /// <summary>This test's group, created on first use from <see cref="GroupOptions"/>: where <see cref="Spawn"/> puts grouped loops.</summary>
    protected LoopGroup Group
    {
        get
        {
            lock (_lock)
            {
                return _group ??= LoopGroup.Create(GetType().Name, GroupOptions);
            }
        }
    }

    /// <summary>
    /// Spawns a loop under test, of <see cref="Kind"/>: on <see cref="Clock"/> (unless <paramref name="options"/> names
    /// another provider than <see cref="TimeProvider.System"/>), watched for faults, stopped at the test's end.
    /// </summary>
    /// <param name="options">The loop's options; its <see cref="LoopOptions.Observer"/>, if any, still receives every event.</param>
    /// <param name="name">The loop's name; the test class's name when null. Passed through as given otherwise, so bad input reaches the real factory.</param>
    /// <returns>The running loop.</returns>
    protected LoopActor Spawn(LoopOptions? options = null, string? name = null)
    {
        options ??= new LoopOptions();
        var time = ReferenceEquals(options.TimeProvider, TimeProvider.System) ? Clock : options.TimeProvider;
        var watched = new LoopUnderTest(this, time, options.Observer);
        var actual = options with { TimeProvider = time, Observer = watched };
        name ??= GetType().Name;
        var loop = Kind switch
        {
            LoopKind.Dedicated => LoopActor.Spawn(name, actual),
            LoopKind.Grouped => Group.Spawn(name, actual),
            _ => throw new InvalidOperationException($"unknown loop kind {Kind}"),
        };
        watched.Attach(loop);
        lock (_lock)
        {
            _loops.Add(watched);
        }

        return loop;
    }

    /// <summary>
    /// Holds <paramref name="loop"/>'s thread in a callback until the returned gate is opened (or the test ends), so work
    /// sent meanwhile queues up deterministically. Completes once the loop is inside the callback.
    /// </summary>
    /// <param name="loop">The loop to hold; any loop, under test or not.</param>
    /// <returns>The gate: <see cref="Gate.Open"/> lets the loop go on.</returns>
    /// <exception cref="XunitException">The loop did not enter the gate within <see cref="Patience"/>.</exception>
    protected async Task<Gate> HoldAsync(LoopActor loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        var gate = new Gate();
        lock (_lock)
        {
            _gates.Add(gate);
        }

        loop.Post(gate.Hold);
        await gate.EnteredAsync().ConfigureAwait(false);
        return gate;
    }

    /// <summary>Fails unless the calling code runs on <paramref name="loop"/>'s thread, as the loop's own work.</summary>
    /// <param name="loop">The loop the code should belong to.</param>
    /// <exception cref="XunitException">The caller is another thread, or another loop's work. Thrown inside a callback
    /// of a loop under test, it is that loop's fault, and fails the test at its end.</exception>
    public static void AssertOnLoopThread(LoopActor loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        if (!loop.IsOnLoopThread)
        {
            string where = LoopActor.Current is { } other ? $"the work of loop '{other.Name}'" : "no loop's work";
            throw new XunitException(
                $"expected to run on loop '{loop.Name}', ran on thread {Environment.CurrentManagedThreadId} ('{Thread.CurrentThread.Name}') as {where}");
        }
    }

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="max"/>: a hang fails the test, readably, instead of the run.</summary>
    /// <param name="task">What to wait for.</param>
    /// <param name="max">How long; <see cref="Patience"/> when null.</param>
    /// <param name="hint">Said in the failure, to tell what was awaited.</param>
    /// <returns>The task's own outcome (its exception, if it faults).</returns>
    /// <exception cref="XunitException">The task did not complete in time.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Task and Task<T> are one method in two shapes; the optional parameters are the same in both.")]
    public static async Task WithinAsync(Task task, TimeSpan? max = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var limit = max ?? Patience;
        try
        {
            await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw Late(limit, hint);
        }
    }

    /// <inheritdoc cref="WithinAsync(Task, TimeSpan?, string?)"/>
    /// <typeparam name="T">The task's result.</typeparam>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "See the non-generic overload.")]
    public static async Task<T> WithinAsync<T>(Task<T> task, TimeSpan? max = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var limit = max ?? Patience;
        try
        {
            return await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw Late(limit, hint);
        }
    }

    /// <inheritdoc/>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>
    /// The test's end: opens the kit's gates, checks the loops under test for forgotten work, stops them and the group,
    /// and fails the test on forgotten work or on a fault it did not expect. xunit calls it after the test method; a test
    /// of the kit may call it itself to see it fail.
    /// </summary>
    /// <exception cref="XunitException">A loop under test held forgotten work, did not answer or did not stop, or faulted unexpectedly.</exception>
    public virtual Task DisposeAsync() => VerifyAndStopAsync();

    /// <summary>The failure of a wait that ran past its bound.</summary>
    private static XunitException Late(TimeSpan limit, string? hint) =>
        new($"the task did not complete within {limit}{(hint is null ? "" : $": {hint}")}");

    /// <summary>The loops under test, as of now.</summary>
    private LoopUnderTest[] LoopsUnderTest()
    {
        lock (_lock)
        {
            return [.. _loops];
        }
    }

    /// <summary>The system clock, a distinct instance so that <see cref="Spawn"/> can tell it from <see cref="TimeProvider.System"/>.</summary>
    private sealed class WallClockProvider : TimeProvider;
}
