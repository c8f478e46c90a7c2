extension PodValidator {
    /// Volume source fields Kubernetes checks, in its order, with the path segment it reports
    /// when a second source is given (Kubernetes' own spelling, including its quirks).
    private static let sourceOrder: [(field: String, reported: String)] = [
        ("emptyDir", "emptyDir"), ("hostPath", "hostPath"), ("gitRepo", "gitRepo"),
        ("gcePersistentDisk", "gcePersistentDisk"), ("awsElasticBlockStore", "awsElasticBlockStore"),
        ("secret", "secret"), ("nfs", "nfs"), ("iscsi", "iscsi"), ("glusterfs", "glusterfs"),
        ("flocker", "flocker"), ("persistentVolumeClaim", "persistentVolumeClaim"), ("rbd", "rbd"),
        ("cinder", "cinder"), ("cephfs", "cephFS"), ("quobyte", "quobyte"), ("downwardAPI", "downwarAPI"),
        ("fc", "fc"), ("flexVolume", "flexVolume"), ("configMap", "configMap"), ("azureFile", "azureFile"),
        ("vsphereVolume", "vsphereVolume"), ("photonPersistentDisk", "photonPersistentDisk"),
        ("portworxVolume", "portworxVolume"), ("azureDisk", "azureDisk"), ("storageos", "storageos"),
        ("projected", "projected"), ("scaleIO", "scaleIO"), ("csi", "csi"), ("ephemeral", "ephemeral"),
        ("image", "image"),
    ]

    /// `ValidateVolumes`: returns the volumes that validated cleanly (by name), which are the only
    /// ones containers may mount, and the errors.
    func validateVolumes(_ volumes: [Volume], _ path: FieldPath) -> ([String: Volume], [FieldError]) {
        var errors: [FieldError] = []
        var valid: [String: Volume] = [:]
        var names = Set<String>()
        for (i, volume) in volumes.enumerated() {
            let volumePath = path.index(i)
            let namePath = volumePath.child("name")
            var volumeErrors = validateVolumeSource(volume, volumePath)
            if volume.name.isEmpty {
                volumeErrors.append(.required(namePath))
            } else {
                volumeErrors += dns1123LabelErrors(volume.name, namePath)
            }
            if names.contains(volume.name) {
                volumeErrors.append(.duplicate(namePath, .string(volume.name)))
            }
            if volumeErrors.isEmpty {
                names.insert(volume.name)
                valid[volume.name] = volume
            } else {
                errors += volumeErrors
            }
        }
        return (valid, errors)
    }

    /// `validateVolumeSource`: exactly one source; the first one set is validated and the others forbidden.
    private func validateVolumeSource(_ volume: Volume, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var count = 0
        for (field, reported) in Self.sourceOrder where isSet(field, in: volume) {
            if count > 0 {
                errors.append(.forbidden(path.child(reported), "may not specify more than 1 volume type"))
                continue
            }
            count += 1
            errors += validateSource(field, of: volume, path)
        }
        if count == 0 {
            errors.append(.required(path, "must specify a volume type"))
        }
        return errors
    }

    private func isSet(_ field: String, in volume: Volume) -> Bool {
        switch field {
        case "emptyDir": return volume.emptyDir != nil
        case "hostPath": return volume.hostPath != nil
        case "secret": return volume.secret != nil
        case "configMap": return volume.configMap != nil
        case "downwardAPI": return volume.downwardAPI != nil
        case "projected": return volume.projected != nil
        case "persistentVolumeClaim": return volume.persistentVolumeClaim != nil
        case "image": return volume.image != nil
        default: return volume.otherSources[field] != nil
        }
    }

    private func validateSource(_ field: String, of volume: Volume, _ path: FieldPath) -> [FieldError] {
        switch field {
        case "emptyDir":
            if let limit = volume.emptyDir?.sizeLimit, limit.sign < 0 {
                return [.forbidden(path.child("emptyDir").child("sizeLimit"), "SizeLimit field must be a valid resource quantity")]
            }
            return []
        case "hostPath":
            return volume.hostPath.map { validateHostPath($0, path.child("hostPath")) } ?? []
        case "secret":
            guard let secret = volume.secret else { return [] }
            let secretPath = path.child("secret")
            var errors: [FieldError] = []
            if (secret.secretName ?? "").isEmpty {
                errors.append(.required(secretPath.child("secretName")))
            }
            errors += validateFileMode(secret.defaultMode, secretPath.child("defaultMode"))
            for (i, item) in (secret.items ?? []).enumerated() {
                errors += validateKeyToPath(item, secretPath.child("items").index(i))
            }
            return errors
        case "configMap":
            guard let configMap = volume.configMap else { return [] }
            let configMapPath = path.child("configMap")
            var errors: [FieldError] = []
            if (configMap.name ?? "").isEmpty {
                errors.append(.required(configMapPath.child("name")))
            }
            errors += validateFileMode(configMap.defaultMode, configMapPath.child("defaultMode"))
            for (i, item) in (configMap.items ?? []).enumerated() {
                errors += validateKeyToPath(item, configMapPath.child("items").index(i))
            }
            return errors
        case "downwardAPI":
            guard let downwardAPI = volume.downwardAPI else { return [] }
            let apiPath = path.child("downwardAPI")
            var errors = validateFileMode(downwardAPI.defaultMode, apiPath.child("defaultMode"))
            // Kubernetes reports item problems at the volume source's path, not the item's.
            for item in downwardAPI.items ?? [] {
                errors += validateDownwardAPIVolumeFile(item, apiPath)
            }
            return errors
        case "projected":
            return volume.projected.map { validateProjected($0, path.child("projected")) } ?? []
        case "persistentVolumeClaim":
            if let claim = volume.persistentVolumeClaim, claim.claimName.isEmpty {
                return [.required(path.child("persistentVolumeClaim").child("claimName"))]
            }
            return []
        case "image":
            guard let image = volume.image else { return [] }
            var errors: [FieldError] = []
            if (image.reference ?? "").isEmpty {
                errors.append(.required(path.child("image").child("reference")))
            }
            if let policy = nonEmpty(image.pullPolicy) {
                errors += validatePullPolicy(policy, path.child("image").child("pullPolicy"))
            }
            return errors
        default:
            // Sources swiftlet does not model are counted, not inspected.
            return []
        }
    }

    private func validateHostPath(_ source: HostPathVolumeSource, _ path: FieldPath) -> [FieldError] {
        if source.path.isEmpty {
            return [.required(path.child("path"))]
        }
        var errors: [FieldError] = []
        if hasBacksteps(source.path) {
            errors.append(.invalid(path.child("path"), .string(source.path), "must not contain '..'"))
        }
        let supported = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]
        if let type = source.type, !supported.contains(type) {
            errors.append(.notSupported(path.child("type"), .json(type), supported))
        }
        return errors
    }

    private func validateFileMode(_ mode: Int32?, _ path: FieldPath) -> [FieldError] {
        guard let mode, mode < 0 || mode > 0o777 else { return [] }
        return [.invalid(path, .int(Int64(mode)), "must be a number between 0 and 0777 (octal), both inclusive")]
    }

    private func validateKeyToPath(_ item: KeyToPath, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if item.key.isEmpty {
            errors.append(.required(path.child("key")))
        }
        if item.path.isEmpty {
            errors.append(.required(path.child("path")))
        }
        errors += validateLocalNonReservedPath(item.path, path.child("path"))
        errors += validateFileMode(item.mode, path.child("mode"))
        return errors
    }

    private func validateDownwardAPIVolumeFile(_ file: DownwardAPIVolumeFile, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if file.path.isEmpty {
            errors.append(.required(path.child("path")))
        }
        errors += validateLocalNonReservedPath(file.path, path.child("path"))
        if let fieldRef = file.fieldRef {
            errors += validateObjectFieldSelector(fieldRef, allowed: Self.volumeFieldPaths, path.child("fieldRef"))
            if file.resourceFieldRef != nil {
                errors.append(.invalid(path, .string("resource"), "fieldRef and resourceFieldRef can not be specified simultaneously"))
            }
        } else if let resourceRef = file.resourceFieldRef {
            errors += validateResourceFieldSelector(resourceRef, inVolume: true, path.child("resourceFieldRef"))
        } else {
            errors.append(.required(path, "one of fieldRef and resourceFieldRef is required"))
        }
        errors += validateFileMode(file.mode, path.child("mode"))
        return errors
    }

    private func validateProjected(_ projected: ProjectedVolumeSource, _ path: FieldPath) -> [FieldError] {
        var errors = validateFileMode(projected.defaultMode, path.child("defaultMode"))
        var allPaths = Set<String>()
        for (i, source) in (projected.sources ?? []).enumerated() {
            let sourcePath = path.child("sources").index(i)
            var count = 0
            if let secret = source.secret {
                count += 1
                let secretPath = sourcePath.child("secret")
                if (secret.name ?? "").isEmpty {
                    errors.append(.required(secretPath.child("name")))
                }
                for (j, item) in (secret.items ?? []).enumerated() {
                    errors += validateKeyToPath(item, secretPath.child("items").index(j))
                    if !item.path.isEmpty && !allPaths.insert(item.path).inserted {
                        errors.append(.invalid(path, .string(secret.name ?? ""), "conflicting duplicate paths"))
                    }
                }
            }
            if let configMap = source.configMap {
                count += 1
                let configMapPath = sourcePath.child("configMap")
                if (configMap.name ?? "").isEmpty {
                    errors.append(.required(configMapPath.child("name")))
                }
                for (j, item) in (configMap.items ?? []).enumerated() {
                    errors += validateKeyToPath(item, configMapPath.child("items").index(j))
                    if !item.path.isEmpty && !allPaths.insert(item.path).inserted {
                        errors.append(.invalid(path, .string(configMap.name ?? ""), "conflicting duplicate paths"))
                    }
                }
            }
            if let downwardAPI = source.downwardAPI {
                count += 1
                for item in downwardAPI.items ?? [] {
                    errors += validateDownwardAPIVolumeFile(item, sourcePath.child("downwardAPI"))
                    if !item.path.isEmpty && !allPaths.insert(item.path).inserted {
                        errors.append(.invalid(path, .string(item.path), "conflicting duplicate paths"))
                    }
                }
            }
            if let token = source.serviceAccountToken {
                count += 1
                let tokenPath = sourcePath.child("serviceAccountToken")
                let expiration = token.expirationSeconds ?? 3600
                if expiration < 600 {
                    errors.append(.invalid(tokenPath.child("expirationSeconds"), .int(expiration), "may not specify a duration less than 10 minutes"))
                }
                if expiration > 1 << 32 {
                    errors.append(.invalid(tokenPath.child("expirationSeconds"), .int(expiration), "may not specify a duration larger than 2^32 seconds"))
                }
                if token.path.isEmpty {
                    errors.append(.required(path.child("path")))
                } else {
                    errors += validateLocalNonReservedPath(token.path, path.child("path"))
                }
            }
            if let bundle = source.clusterTrustBundle {
                count += 1
                errors += validateClusterTrustBundle(bundle, sourcePath.child("clusterTrustBundle"))
                if !allPaths.insert(bundle.path).inserted {
                    errors.append(.invalid(path, .string(bundle.path), "conflicting duplicate paths"))
                }
            }
            if count > 1 {
                errors.append(.forbidden(sourcePath, "may not specify more than 1 volume type per source"))
            }
        }
        return errors
    }

    /// The structural checks of a `clusterTrustBundle` projection: exactly one of `name` and
    /// `signerName`, and a local `path`. (Signer-name syntax is left to the API server.)
    private func validateClusterTrustBundle(_ bundle: ClusterTrustBundleProjection, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        switch (bundle.name, bundle.signerName) {
        case (.some, .some):
            errors.append(.invalid(path, GoJSON.of(bundle).fieldValue, "only one of name and signerName may be used"))
        case (.some(let name), nil):
            if name.isEmpty {
                errors.append(.required(path.child("name"), "must be a valid object name"))
            }
            if let selector = bundle.labelSelector {
                errors.append(.invalid(path.child("labelSelector"), GoJSON.of(selector).fieldValue, "labelSelector must be unset if name is specified"))
            }
        case (nil, .some(let signer)):
            if signer.isEmpty {
                errors.append(.required(path.child("signerName"), "must be a valid signer name"))
            }
            errors += Self.validateLabelSelector(bundle.labelSelector, path.child("labelSelector"))
        case (nil, nil):
            errors.append(.required(path, "either name or signerName must be specified"))
        }
        if bundle.path.isEmpty {
            errors.append(.required(path.child("path")))
        }
        errors += validateLocalNonReservedPath(bundle.path, path.child("path"))
        return errors
    }
}
