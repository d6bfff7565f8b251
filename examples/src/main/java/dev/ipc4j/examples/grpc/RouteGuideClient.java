package dev.ipc4j.examples.grpc;

import dev.ipc4j.grpc.Ipc4jGrpc;
import dev.ipc4j.grpc.RoutedChannel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A route guide client: the four kinds of gRPC call through generated stubs, over the routed channel (an ipc4j
 * session to the server on this host; TCP to {@code --tcp HOST:PORT} when the server is elsewhere).
 *
 * <pre>./ipc4j example grpc-client [--run-dir DIR] [--tcp HOST:PORT]</pre>
 */
public final class RouteGuideClient {
    private static final long WAIT_S = 30;

    private RouteGuideClient() {}

    public static void main(String[] args) throws Exception {
        String dir = RouteGuideApps.option(args, "--run-dir");
        String tcp = RouteGuideApps.option(args, "--tcp");
        System.exit(run(dir == null ? null : Path.of(dir), tcp == null ? "localhost:50051" : tcp, System.out) ? 0 : 1);
    }

    /** Runs the four calls against the server; true when every answer was as expected. */
    static boolean run(Path runDir, String tcpTarget, PrintStream out) throws Exception {
        RoutedChannel channel = Ipc4jGrpc.channel(RouteGuideApps.WALKER, RouteGuideApps.guide(runDir), tcpTarget).build();
        try {
            boolean ok = calls(channel, out);
            out.println("route: " + channel.route());
            return ok;
        } finally {
            channel.shutdown();
            channel.awaitTermination(WAIT_S, TimeUnit.SECONDS);
        }
    }

    private static boolean calls(ManagedChannel channel, PrintStream out) throws Exception {
        RouteGuideGrpc.RouteGuideBlockingStub blocking = RouteGuideGrpc.newBlockingStub(channel)
                .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
        RouteGuideGrpc.RouteGuideStub async = RouteGuideGrpc.newStub(channel).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
        boolean ok = true;

        // Unary: one lookup.
        Place p = blocking.getPlace(RouteGuideService.point(401_000_000, -749_000_000));
        out.println("GetPlace (401000000, -749000000): " + (p.getName().isEmpty() ? "nothing there" : p.getName()));
        ok &= p.getName().equals("place 1-1");

        // Server stream: every place in an area.
        Iterator<Place> places = blocking.listPlaces(Area.newBuilder()
                .setLow(RouteGuideService.point(400_000_000, -750_000_000))
                .setHigh(RouteGuideService.point(402_000_000, -748_000_000)).build());
        int listed = 0;
        while (places.hasNext()) {
            places.next();
            listed++;
        }
        out.println("ListPlaces in a 3 x 3 corner: " + listed + " places");
        ok &= listed == expectedInCorner();

        // Client stream: a route of points, summed up at its end.
        CompletableFuture<RouteSummary> summary = new CompletableFuture<>();
        StreamObserver<Point> route = async.recordRoute(observer(summary));
        for (int i = 0; i < 10; i++) {
            route.onNext(RouteGuideService.PLACES.get(i).getLocation());
        }
        route.onCompleted();
        RouteSummary s = summary.get(WAIT_S, TimeUnit.SECONDS);
        out.println("RecordRoute of 10 points: " + s.getPlaceCount() + " places, " + s.getDistanceM() + " m");
        ok &= s.getPointCount() == 10 && s.getPlaceCount() == 10 && s.getDistanceM() > 0;

        // Bidirectional: notes left at points, each answered with the ones left there before.
        List<Note> heard = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> chatEnded = new CompletableFuture<>();
        StreamObserver<Note> chat = async.routeChat(new StreamObserver<>() {
            @Override
            public void onNext(Note note) {
                heard.add(note);
            }

            @Override
            public void onError(Throwable t) {
                chatEnded.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                chatEnded.complete(null);
            }
        });
        String[] messages = {"first", "second", "third", "fourth"};
        for (int i = 0; i < messages.length; i++) {
            chat.onNext(Note.newBuilder().setLocation(RouteGuideService.point(0, i % 2)).setMessage(messages[i]).build());
        }
        chat.onCompleted();
        chatEnded.get(WAIT_S, TimeUnit.SECONDS);
        out.println("RouteChat: heard " + heard.stream().map(Note::getMessage).toList());
        ok &= heard.size() >= 2; // "first" at point 0, "second" at point 1, from this run at least

        // An error, as gRPC reports it: an unknown point is no error, a deadline already passed is.
        try {
            RouteGuideGrpc.newBlockingStub(channel).withDeadlineAfter(0, TimeUnit.NANOSECONDS)
                    .getPlace(RouteGuideService.point(0, 0));
            ok = false;
        } catch (io.grpc.StatusRuntimeException e) {
            out.println("a call past its deadline: " + e.getStatus().getCode());
            ok &= e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED;
        }
        return ok;
    }

    private static int expectedInCorner() {
        int n = 0;
        for (Place p : RouteGuideService.PLACES) {
            Point at = p.getLocation();
            if (at.getLatitude() <= 402_000_000 && at.getLongitude() <= -748_000_000) {
                n++;
            }
        }
        return n;
    }

    private static <T> StreamObserver<T> observer(CompletableFuture<T> result) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.completeExceptionally(new IllegalStateException("completed without an answer"));
            }
        };
    }
}
