using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailbox;

/// <summary>
/// An event loop that is an actor: one thread runs its callbacks, coroutine steps and timers, one at a time, in order —
/// a dedicated thread (<see cref="Spawn"/>) or one thread of a <see cref="LoopGroup"/> that the loop is pinned to for
/// life; every other thread can only send it messages. This file is the senders' side; the loop's turn is
/// <c>LoopActor.Reader.cs</c>, the thread that runs turns <c>Scheduling/LoopThread.cs</c>, the stop
/// <c>LoopActor.Stop.cs</c>, timers <c>LoopActor.Timers.cs</c>.
/// </summary>
public sealed partial class LoopActor : IAsyncDisposable
{
    // ---- Immutable after Spawn: read by any thread. ----

    /// <summary>The loop whose reader thread is the calling thread.</summary>
    [ThreadStatic]
    private static LoopActor? t_current;

    /// <summary>The settings of a loop spawned without any: one shared instance (an immutable record).</summary>
    private static readonly LoopOptions s_defaultOptions = new();

    /// <summary>The settings the loop was spawned with.</summary>
    private readonly LoopOptions _options;

    /// <summary>The loop's clock.</summary>
    private readonly TimeProvider _time;

    /// <summary>
    /// The data lane (posts and <c>RunAsync</c> requests), where senders write once <see cref="_gate"/> has accepted them:
    /// a single-reader <see cref="Channel{T}"/>, never completed (the gate is the acceptance point) and never full (bounds
    /// come from <see cref="_room"/>) — a <see cref="LaneChannel"/>, whose writers and reader take no lock.
    /// </summary>
    private readonly ChannelWriter<Envelope> _writer;

    /// <summary>The reader end of the channel; loop thread only.</summary>
    private readonly ChannelReader<Envelope> _reader;

    /// <summary>The data lane's acceptance point and exact accepted count.</summary>
    private SendGate _gate; // a mutable struct, used in place: never copy it

    /// <summary>Free places in a bounded mailbox and the senders waiting for one; null when unbounded.</summary>
    private readonly BoundedRoom? _room;

    /// <summary>Stop, query, timer set/cancel from other threads, mailbox-full notices; created with the first (most loops of a group never get one until their stop).</summary>
    private ControlLane? _control;

    /// <summary><c>RunAsync</c> requests accepted and not yet started.</summary>
    private readonly QueuedRequests _queued = new();

    /// <summary>The context every coroutine awaits under.</summary>
    private readonly LoopSynchronizationContext _context;

    /// <summary>The thread the loop is pinned to for life: its own, or one of its group's.</summary>
    private readonly LoopThread _lt;

    /// <summary>The group the loop belongs to; null for a dedicated loop.</summary>
    private readonly LoopGroup? _group;

    /// <summary>Where the loop logs.</summary>
    private readonly ILogger _logger;

    /// <summary>Completes with the final report once the loop will never run again (a dedicated loop: after its thread has exited).</summary>
    private readonly TaskCompletionSource<StopReport> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // ---- Shared state: Interlocked / Volatile only. ----

    /// <summary>The <see cref="LoopState"/>, moved forward by CAS.</summary>
    private int _state;

    /// <summary>Sends refused because the loop was stopping or the mailbox full.</summary>
    private long _refused;

    /// <summary>Whether a <see cref="MailboxFull"/> notice is on its way to the loop (coalesces notices).</summary>
    private int _fullNoticePending;

    /// <summary>
    /// Idle, Scheduled or Finished (see <c>Scheduling/LoopThread.cs</c>): a sender that finds Idle CASes it to Scheduled
    /// and queues the loop on its thread; the thread writes it back to Idle when a turn leaves nothing to do. Senders
    /// read it after every send, and it is written only at those transitions, so a streaming sender reads a clean line.
    /// </summary>
    private int _status = StatusScheduled;

    /// <summary>Coroutine steps posted from other threads (a continuation after work on the thread pool, say); created with the first.</summary>
    private ConcurrentQueue<Envelope>? _stepInbox;

    /// <summary>The scheduler behind <see cref="Scheduler"/>; created on first use.</summary>
    private LoopTaskScheduler? _scheduler;

    /// <summary>Nothing to run: a sender must schedule the loop.</summary>
    private const int StatusIdle = 0;

    /// <summary>Queued on its thread or running: senders only write their message.</summary>
    private const int StatusScheduled = 1;

    /// <summary>Finished for good: nobody schedules it again.</summary>
    private const int StatusFinished = 2;

    private LoopActor(string name, LoopOptions options, LoopThread thread, LoopGroup? group)
    {
        Name = name;
        _options = options;
        _time = options.TimeProvider;
        var channel = new LaneChannel(grouped: group is not null);
        _writer = channel.Writer;
        _reader = channel.Reader;
        if (options.MailboxCapacity is int capacity)
        {
            _room = new BoundedRoom(capacity, AdmitWaiter);
        }

        _lt = thread;
        _group = group;
        if (options.Observer is null && options.LoggerFactory is null)
        {
            // Nobody hears the start: the loop begins Idle and its first turn waits for its first message, so a spawn
            // costs its thread nothing (a hundred thousand spawns are not a hundred thousand wake-ups).
            _started = true;
            _status = StatusIdle;
        }

        _gate = new SendGate(group is null ? SendGate.DedicatedStripes : 1);
        _context = new LoopSynchronizationContext(this);
        _logger = options.LoggerFactory?.CreateLogger("Mailbox.LoopActor") ?? NullLogger.Instance;
        _slowTicks = options.SlowCallbackThreshold is { } slow ? (long)(slow.TotalSeconds * System.Diagnostics.Stopwatch.Frequency) : 0;
    }

    /// <summary>The loop whose thread is calling; null on any other thread (a pool thread, say).</summary>
    public static LoopActor? Current => t_current;

    /// <summary>The name the loop was spawned with; it names the thread and tags logs and events. Names need not be unique.</summary>
    public string Name { get; }

    /// <summary>Running, Stopping (from the moment <see cref="StopAsync"/> returns) or Stopped.</summary>
    public LoopState State => (LoopState)Volatile.Read(ref _state);

    /// <summary>Whether this loop's work is running on the calling thread now (for a grouped loop: not merely whether the caller is a thread of its group).</summary>
    public bool IsOnLoopThread => ReferenceEquals(t_current, this);

    /// <summary>
    /// Completes, with the final <see cref="StopReport"/>, once the loop will never run again: for a dedicated loop after
    /// its thread has exited; for a grouped loop once its group thread holds nothing of it (the thread serves on).
    /// </summary>
    public Task<StopReport> Completion => _completion.Task;

    /// <summary>The group the loop belongs to; null for a dedicated loop.</summary>
    public LoopGroup? Group => _group;

    /// <summary>A scheduler that runs tasks on the loop thread (for <c>Task.Factory.StartNew</c> and friends).</summary>
    public TaskScheduler Scheduler => _scheduler ?? Interlocked.CompareExchange(ref _scheduler, new LoopTaskScheduler(this), null) ?? _scheduler;

    /// <summary>Messages (posts and <c>RunAsync</c> requests) the loop has accepted; exact once the loop is stopping.</summary>
    public long AcceptedMessages => _gate.Accepted;

    /// <summary>Sends refused so far (the loop was stopping, or the bounded mailbox was full).</summary>
    public long RefusedMessages => Interlocked.Read(ref _refused);

    /// <summary>Starts a loop on its own dedicated, named thread (the thread exits when the loop has stopped).</summary>
    /// <param name="name">Names the thread, logs and events; need not be unique.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <returns>The running loop.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A capacity or threshold in <paramref name="options"/> is not positive.</exception>
    public static LoopActor Spawn(string name, LoopOptions? options = null)
    {
        options = ValidateSpawn(name, options);
        var thread = LoopThread.CreateDedicated(name, options.IsBackground, DedicatedTurnBudget);
        var loop = new LoopActor(name, options, thread, group: null);
        LoopMetrics.Register(loop);
        thread.Attach(loop, firstTurn: !loop._started);
        thread.Start();
        return loop;
    }

    /// <summary>Spawns a loop pinned to <paramref name="thread"/> of <paramref name="group"/> (validated by the caller).</summary>
    internal static LoopActor SpawnOn(LoopThread thread, LoopGroup group, string name, LoopOptions options)
    {
        var loop = new LoopActor(name, options, thread, group);
        LoopMetrics.Register(loop);
        thread.Attach(loop, firstTurn: !loop._started);
        return loop;
    }

    /// <summary>The argument checks every spawn makes; returns the options to use.</summary>
    internal static LoopOptions ValidateSpawn(string name, LoopOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= s_defaultOptions;
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options) + "." + nameof(LoopOptions.TimeProvider));
        if (options.MailboxCapacity is int capacity)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity, nameof(options) + "." + nameof(LoopOptions.MailboxCapacity));
        }

        if (options.SlowCallbackThreshold is { } slow)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(slow, TimeSpan.Zero, nameof(options) + "." + nameof(LoopOptions.SlowCallbackThreshold));
        }

        if (!Enum.IsDefined(options.FullMode))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FullMode, "Unknown MailboxFullMode.");
        }

        return options;
    }

    /// <summary>Queues <paramref name="callback"/> to run on the loop thread (asyncio's <c>call_soon_threadsafe</c>).</summary>
    /// <param name="callback">The callback; an exception from it goes to <see cref="LoopOptions.OnUnhandledException"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="LoopStoppedException">The loop is stopping or stopped.</exception>
    /// <exception cref="MailboxFullException">The bounded mailbox is full (in either <see cref="MailboxFullMode"/>: a synchronous post never blocks).</exception>
    public void Post(Action callback)
    {
        if (callback is null)
        {
            ThrowNull(nameof(callback));
        }

        ThrowIfRefused(Send(new Envelope(callback)));
    }

    /// <summary>Queues <paramref name="callback"/> with <paramref name="state"/>; allocates nothing for reference-type state, nor in steady state for value-type state (it travels in a pooled box).</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="callback">The callback; a static lambda keeps the post allocation-free.</param>
    /// <param name="state">Handed to <paramref name="callback"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="LoopStoppedException">The loop is stopping or stopped.</exception>
    /// <exception cref="MailboxFullException">The bounded mailbox is full.</exception>
    public void Post<TState>(Action<TState> callback, TState state)
    {
        if (callback is null)
        {
            ThrowNull(nameof(callback));
        }

        ThrowIfRefused(Send(StateInvoker<TState>.Wrap(callback, state)));
    }

    /// <summary>Queues <paramref name="callback"/> if the loop is running and has room.</summary>
    /// <param name="callback">The callback.</param>
    /// <returns>False once the loop is stopping, or when the bounded mailbox is full.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    public bool TryPost(Action callback)
    {
        if (callback is null)
        {
            ThrowNull(nameof(callback));
        }

        return CountIfFull(Send(new Envelope(callback))) == SendResult.Accepted;
    }

    /// <summary>Queues <paramref name="callback"/>, waiting for room in a bounded mailbox (<see cref="MailboxFullMode.Wait"/>). Waiters get room in the order they came.</summary>
    /// <param name="callback">The callback.</param>
    /// <param name="cancellationToken">Ends the wait for room; a cancelled wait sends nothing.</param>
    /// <returns>A task that completes once the callback is accepted; faulted with <see cref="LoopStoppedException"/> or (Reject mode) <see cref="MailboxFullException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    public ValueTask PostAsync(Action callback, CancellationToken cancellationToken = default)
    {
        if (callback is null)
        {
            ThrowNull(nameof(callback));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var result = Send(new Envelope(callback));
        return result switch
        {
            SendResult.Accepted => ValueTask.CompletedTask,
            SendResult.Full when _options.FullMode == MailboxFullMode.Wait => new ValueTask(SendWhenRoomAsync(new Envelope(callback), cancellationToken)),
            _ => ValueTask.FromException(RefusalException(CountIfFull(result))),
        };
    }

    /// <summary>Runs <paramref name="coroutine"/> on the loop (asyncio's <c>run_coroutine_threadsafe</c>); every <c>await</c> in it resumes on the loop thread.</summary>
    /// <param name="coroutine">The coroutine.</param>
    /// <param name="cancellationToken">Cancelled before the start: the coroutine never starts and the task ends cancelled.</param>
    /// <returns>The coroutine's outcome; faulted with <see cref="LoopStoppedException"/> if the loop refused or discarded it. Continuations run asynchronously, never inline on the loop.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="coroutine"/> is null.</exception>
    public Task RunAsync(Func<Task> coroutine, CancellationToken cancellationToken = default) =>
        Submit<VoidResult>(coroutine ?? throw new ArgumentNullException(nameof(coroutine)), cancellationToken);

    /// <inheritdoc cref="RunAsync(Func{Task}, CancellationToken)"/>
    /// <typeparam name="T">The coroutine's result type.</typeparam>
    public Task<T> RunAsync<T>(Func<Task<T>> coroutine, CancellationToken cancellationToken = default) =>
        Submit<T>(coroutine ?? throw new ArgumentNullException(nameof(coroutine)), cancellationToken);

    /// <summary>Runs <paramref name="coroutine"/> on the loop with a token of its own, cancelled when <paramref name="cancellationToken"/> is or when a stop cancels the coroutine.</summary>
    /// <param name="coroutine">The coroutine; it receives its own token.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The coroutine's outcome; the task ends only when the coroutine really has ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="coroutine"/> is null.</exception>
    public Task RunAsync(Func<CancellationToken, Task> coroutine, CancellationToken cancellationToken = default) =>
        Submit<VoidResult>(coroutine ?? throw new ArgumentNullException(nameof(coroutine)), cancellationToken);

    /// <inheritdoc cref="RunAsync(Func{CancellationToken, Task}, CancellationToken)"/>
    /// <typeparam name="T">The coroutine's result type.</typeparam>
    public Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> coroutine, CancellationToken cancellationToken = default) =>
        Submit<T>(coroutine ?? throw new ArgumentNullException(nameof(coroutine)), cancellationToken);

    /// <summary>Runs <paramref name="coroutine"/> on the loop and blocks the calling thread until it ends (asyncio's <c>run_until_complete</c>, made safe).</summary>
    /// <param name="coroutine">The coroutine.</param>
    /// <remarks>Allowed from another loop's thread, which it then blocks for the duration.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="coroutine"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Called on this loop's own thread, where waiting would hang the loop forever.</exception>
    /// <exception cref="LoopStoppedException">The loop is stopping or stopped.</exception>
    public void RunUntilComplete(Func<Task> coroutine)
    {
        ArgumentNullException.ThrowIfNull(coroutine);
        ThrowIfBlockingOnSelf(nameof(RunUntilComplete));
        RunAsync(coroutine).GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="RunUntilComplete(Func{Task})"/>
    /// <typeparam name="T">The coroutine's result type.</typeparam>
    /// <returns>The coroutine's result; its own exception is rethrown as is.</returns>
    public T RunUntilComplete<T>(Func<Task<T>> coroutine)
    {
        ArgumentNullException.ThrowIfNull(coroutine);
        ThrowIfBlockingOnSelf(nameof(RunUntilComplete));
        return RunAsync(coroutine).GetAwaiter().GetResult();
    }

    /// <summary>Asks the loop thread for a snapshot of its pending work; the control lane carries it past queued messages.</summary>
    /// <param name="cancellationToken">Ends the query at once, even while the loop is busy.</param>
    /// <returns>The snapshot; faulted with <see cref="LoopStoppedException"/> once the loop is stopping.</returns>
    public Task<PendingWork> QueryPendingAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<PendingWork>(cancellationToken);
        }

        if (State != LoopState.Running)
        {
            return Task.FromException<PendingWork>(Stopped("query"));
        }

        var reply = new TaskCompletionSource<PendingWork>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!SendControl(new ControlMessage(ControlKind.Query, reply)))
        {
            return Task.FromException<PendingWork>(Stopped("query"));
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.UnsafeRegister(static (s, token) => ((TaskCompletionSource<PendingWork>)s!).TrySetCanceled(token), reply);
            reply.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return reply.Task;
    }

    /// <summary>Stops the loop with <see cref="StopMode.Drain"/> and waits for its thread to exit.</summary>
    /// <returns>A task that completes when the loop has stopped.</returns>
    public ValueTask DisposeAsync() => new(StopAsync(StopMode.Drain));

    /// <summary>A <see cref="LoopActor.Delay"/> on the calling loop's clock; resumes on the loop thread.</summary>
    /// <param name="delay">How long; zero resumes at the next turn.</param>
    /// <param name="cancellationToken">Cancels the delay; the await then throws <see cref="OperationCanceledException"/> on the loop thread.</param>
    /// <returns>An awaitable; allocation-free when <paramref name="cancellationToken"/> cannot be cancelled.</returns>
    /// <exception cref="WrongThreadException">Not called on a loop thread.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative or infinite.</exception>
    /// <exception cref="LoopStoppedException">The loop's stop has already cancelled its timers.</exception>
    public static LoopDelayAwaitable Delay(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        var loop = CurrentOrThrow(nameof(Delay));
        ValidateDelay(delay, nameof(delay));
        return loop.StartDelay(delay, cancellationToken);
    }

    /// <summary>Resumes at the back of the loop's queue: after every message and step queued before the call. Allocation-free.</summary>
    /// <returns>An awaitable.</returns>
    /// <exception cref="WrongThreadException">Not called on a loop thread.</exception>
    public static LoopYieldAwaitable Yield() => new(CurrentOrThrow(nameof(Yield)));

    /// <summary>The calling thread's loop, or a <see cref="WrongThreadException"/> for a loop-only call made elsewhere.</summary>
    internal static LoopActor CurrentOrThrow(string call) =>
        t_current ?? throw new WrongThreadException($"LoopActor.{call} may only be called on a loop thread; the calling thread '{Thread.CurrentThread.Name ?? Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture)}' runs no loop.");

    /// <summary>Throws <see cref="WrongThreadException"/> unless the caller is this loop's thread.</summary>
    internal void ThrowIfNotOwner(string what)
    {
        if (!IsOnLoopThread)
        {
            throw new WrongThreadException($"Only the thread of loop '{Name}' may be {what}.");
        }
    }

    /// <summary>Queues a coroutine step: straight into the ready queue on the loop thread, else into the inbox with a wake-up.</summary>
    internal void EnqueueStep(in Envelope step)
    {
        if (IsOnLoopThread)
        {
            Ready.Enqueue(step);
            return;
        }

        var inbox = _stepInbox ?? Interlocked.CompareExchange(ref _stepInbox, new ConcurrentQueue<Envelope>(), null) ?? _stepInbox;
        inbox.Enqueue(step);
        Interlocked.MemoryBarrier(); // the queue publishes the step with a plain release store: fence before reading the status
        ScheduleSelf(urgent: true);
    }

    private Task<T> Submit<T>(Delegate coroutine, CancellationToken cancellationToken)
    {
        var request = new CoroutineRequest<T>(this, coroutine, cancellationToken);

        // Registered before the gate so that an Immediate stop always finds an accepted request (see QueuedRequests).
        _queued.Add(request);
        var result = Send(request.ToEnvelope(), urgent: true);
        if (result == SendResult.Full && _options.FullMode == MailboxFullMode.Wait)
        {
            return SubmitWhenRoomAsync(request, cancellationToken);
        }

        if (result != SendResult.Accepted)
        {
            _queued.Remove(request);
            return Task.FromException<T>(RefusalException(CountIfFull(result)));
        }

        request.WatchCallerToken();
        return request.Task;
    }

    private async Task<T> SubmitWhenRoomAsync<T>(CoroutineRequest<T> request, CancellationToken cancellationToken)
    {
        try
        {
            await SendWhenRoomAsync(request.ToEnvelope(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _queued.Remove(request);
            throw;
        }

        request.WatchCallerToken();
        return await request.Task.ConfigureAwait(false);
    }

    /// <summary>The data-lane send: room (if bounded), then the gate, then the channel, then the loop scheduled if it was idle.</summary>
    /// <param name="envelope">The message.</param>
    /// <param name="urgent">Whether a napping thread must wake for it (a request someone awaits) rather than find it at the nap's end.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SendResult Send(in Envelope envelope, bool urgent = false)
    {
        if (_room is not null && !_room.TryTake())
        {
            return RefuseFull();
        }

        if (!TryAccept(envelope, urgent))
        {
            _room?.GiveBack();
            return SendResult.Stopped;
        }

        return SendResult.Accepted;
    }

    /// <summary>
    /// The acceptance step every data-lane send ends with: enter the gate (refused and counted once the loop is
    /// stopping), write the envelope, schedule the loop if it was idle. The gate's Interlocked increment is the sender's
    /// fence of the scheduling handshake: the loop going idle reads the gate's count after its own fenced write.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryAccept(in Envelope envelope, bool urgent)
    {
        if (!_gate.TryEnter())
        {
            Interlocked.Increment(ref _refused);
            return false;
        }

        _writer.TryWrite(envelope); // unbounded and never completed: always succeeds
        ScheduleSelf(urgent);
        return true;
    }

    /// <summary>The slow path of a send in Wait mode: waits, oldest first, for a place; the loop admits the envelope.</summary>
    private Task SendWhenRoomAsync(Envelope envelope, CancellationToken cancellationToken) =>
        _room!.SendWhenFreeAsync(envelope, cancellationToken);

    /// <summary>Sends a waiting sender's envelope through the gate (called under the room's lock, by the loop or the sender).</summary>
    private bool AdmitWaiter(Envelope envelope) => TryAccept(envelope, urgent: true);

    private SendResult RefuseFull()
    {
        if (_gate.IsClosed)
        {
            Interlocked.Increment(ref _refused);
            return SendResult.Stopped;
        }

        if (Interlocked.Exchange(ref _fullNoticePending, 1) == 0)
        {
            SendControl(new ControlMessage(ControlKind.MailboxFull));
        }

        return SendResult.Full;
    }

    /// <summary>Sends a control message and schedules the loop; false once the loop is done.</summary>
    private bool SendControl(ControlMessage message)
    {
        if (!Control.TrySend(message))
        {
            return false;
        }

        ScheduleSelf(urgent: true);
        return true;
    }

    /// <summary>The control lane, created on first use by whichever thread needs it.</summary>
    private ControlLane Control => _control ?? Interlocked.CompareExchange(ref _control, new ControlLane(), null) ?? _control;

    /// <summary>Whether a control message waits (one volatile read once the lane exists).</summary>
    private bool ControlPending => _control is { } control && control.HasPending;

    /// <summary>After a send has published its work with a fence: queue the loop on its thread if it was idle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ScheduleSelf(bool urgent)
    {
        if (Volatile.Read(ref _status) == StatusIdle && Interlocked.CompareExchange(ref _status, StatusScheduled, StatusIdle) == StatusIdle)
        {
            _lt.Schedule(this, urgent);
        }
        else if (urgent)
        {
            _lt.Wake(urgent: true); // queued already, but its thread may be napping
        }
    }

    private void ThrowIfRefused(SendResult result)
    {
        if (result != SendResult.Accepted)
        {
            throw RefusalException(CountIfFull(result));
        }
    }

    /// <summary>Counts a send that gives up on a full mailbox (a stopped one was counted at the gate).</summary>
    private SendResult CountIfFull(SendResult result)
    {
        if (result == SendResult.Full)
        {
            Interlocked.Increment(ref _refused);
        }

        return result;
    }

    private void ThrowIfBlockingOnSelf(string call)
    {
        if (ReferenceEquals(LoopThread.Current, _lt))
        {
            string who = IsOnLoopThread ? $"loop '{Name}' itself" : $"loop '{t_current?.Name}', which shares a group thread with loop '{Name}'";
            throw new InvalidOperationException($"{call} was called by {who}: it would wait for the loop while blocking its thread, forever. Await RunAsync instead.");
        }
    }

    private Exception RefusalException(SendResult result)
    {
        if (result == SendResult.Full)
        {
            return new MailboxFullException($"The mailbox of loop '{Name}' is full ({_options.MailboxCapacity} messages).");
        }

        return Stopped("send");
    }

    private LoopStoppedException Stopped(string what) =>
        new($"Loop '{Name}' is {(State == LoopState.Stopped ? "stopped" : "stopping")}: the {what} was refused.");

    [DoesNotReturn]
    private static void ThrowNull(string name) => throw new ArgumentNullException(name);

    private enum SendResult
    {
        Accepted,
        Stopped,
        Full,
    }
}
