package dev.ipc4j.examples.grpc;

import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The route guide: a grid of named places, plain grpc-java service code (nothing in it knows about ipc4j). Notes left
 * in the chat are kept per point, for every client; the maps are guarded by the service.
 */
final class RouteGuideService extends RouteGuideGrpc.RouteGuideImplBase {
    /** Places at every 1,000,000th 1e-7 degree of a 10 x 10 grid from (400000000, -750000000). */
    static final List<Place> PLACES = places();
    private final Map<Long, Place> byPoint = new HashMap<>();
    private final Map<Long, List<Note>> notes = new HashMap<>();

    RouteGuideService() {
        for (Place p : PLACES) {
            byPoint.put(key(p.getLocation()), p);
        }
    }

    private static List<Place> places() {
        List<Place> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) {
                if ((i * 7 + j * 3) % 4 != 0) { // some points have nothing
                    all.add(Place.newBuilder().setName("place " + i + "-" + j)
                            .setLocation(point(400_000_000 + i * 1_000_000, -750_000_000 + j * 1_000_000)).build());
                }
            }
        }
        return List.copyOf(all);
    }

    static Point point(int latitude, int longitude) {
        return Point.newBuilder().setLatitude(latitude).setLongitude(longitude).build();
    }

    private static long key(Point p) {
        return ((long) p.getLatitude() << 32) | (p.getLongitude() & 0xffffffffL);
    }

    @Override
    public void getPlace(Point request, StreamObserver<Place> responses) {
        responses.onNext(byPoint.getOrDefault(key(request), Place.newBuilder().setLocation(request).build()));
        responses.onCompleted();
    }

    @Override
    public void listPlaces(Area request, StreamObserver<Place> responses) {
        int latLow = Math.min(request.getLow().getLatitude(), request.getHigh().getLatitude());
        int latHigh = Math.max(request.getLow().getLatitude(), request.getHigh().getLatitude());
        int lonLow = Math.min(request.getLow().getLongitude(), request.getHigh().getLongitude());
        int lonHigh = Math.max(request.getLow().getLongitude(), request.getHigh().getLongitude());
        for (Place p : PLACES) {
            Point at = p.getLocation();
            if (at.getLatitude() >= latLow && at.getLatitude() <= latHigh && at.getLongitude() >= lonLow
                    && at.getLongitude() <= lonHigh) {
                responses.onNext(p);
            }
        }
        responses.onCompleted();
    }

    @Override
    public StreamObserver<Point> recordRoute(StreamObserver<RouteSummary> responses) {
        return new StreamObserver<>() {
            Point previous;
            int points;
            int places;
            double meters;

            @Override
            public void onNext(Point p) {
                points++;
                if (byPoint.containsKey(key(p))) {
                    places++;
                }
                if (previous != null) {
                    meters += distance(previous, p);
                }
                previous = p;
            }

            @Override
            public void onError(Throwable t) {
                // the client gave up: nothing to answer
            }

            @Override
            public void onCompleted() {
                responses.onNext(RouteSummary.newBuilder().setPointCount(points).setPlaceCount(places)
                        .setDistanceM((int) meters).build());
                responses.onCompleted();
            }
        };
    }

    @Override
    public StreamObserver<Note> routeChat(StreamObserver<Note> responses) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Note note) {
                List<Note> earlier;
                synchronized (notes) {
                    List<Note> here = notes.computeIfAbsent(key(note.getLocation()), k -> new ArrayList<>());
                    earlier = List.copyOf(here);
                    here.add(note);
                }
                earlier.forEach(responses::onNext);
            }

            @Override
            public void onError(Throwable t) {
                // the client gave up
            }

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }

    /** Metres between two points (haversine), as the route guide computes it. */
    static double distance(Point a, Point b) {
        double lat1 = Math.toRadians(a.getLatitude() / 1e7);
        double lat2 = Math.toRadians(b.getLatitude() / 1e7);
        double dLat = lat2 - lat1;
        double dLon = Math.toRadians((b.getLongitude() - a.getLongitude()) / 1e7);
        double h = Math.sin(dLat / 2) * Math.sin(dLat / 2)
                + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
        return 6_371_000 * 2 * Math.atan2(Math.sqrt(h), Math.sqrt(1 - h));
    }
}
